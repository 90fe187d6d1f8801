package twitter

import "time"

// createdAtLayout is Twitter's created_at format (time.RubyDate).
const createdAtLayout = "Mon Jan 02 15:04:05 -0700 2006"

// parseCreatedAt parses created_at into UTC. Every tweet carries one, so
// the fixed layout is decoded by hand without allocating; anything that
// deviates from it is left to time.Parse, which decides. The fast path
// accepts only strings time.Parse accepts, with the same result
// (TestCreatedAtMatchesTimeParse).
func parseCreatedAt(b []byte) (time.Time, bool) {
	if t, ok := parseCreatedAtFast(b); ok {
		return t, true
	}
	t, err := time.Parse(createdAtLayout, string(b))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func parseCreatedAtFast(b []byte) (time.Time, bool) {
	if len(b) != len(createdAtLayout) ||
		b[3] != ' ' || b[7] != ' ' || b[10] != ' ' || b[13] != ':' ||
		b[16] != ':' || b[19] != ' ' || b[25] != ' ' {
		return time.Time{}, false
	}
	if !isWeekday(b[0:3]) {
		return time.Time{}, false
	}
	month := monthNumber(b[4:7])
	day, ok1 := twoDigits(b[8:10])
	hour, ok2 := twoDigits(b[11:13])
	minute, ok3 := twoDigits(b[14:16])
	sec, ok4 := twoDigits(b[17:19])
	zh, ok5 := twoDigits(b[21:23])
	zm, ok6 := twoDigits(b[23:25])
	yh, ok7 := twoDigits(b[26:28])
	yl, ok8 := twoDigits(b[28:30])
	if month == 0 || !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) ||
		(b[20] != '+' && b[20] != '-') {
		return time.Time{}, false
	}
	year := yh*100 + yl
	if day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 || zh > 23 || zm > 59 {
		return time.Time{}, false
	}
	offset := time.Duration(zh)*time.Hour + time.Duration(zm)*time.Minute
	if b[20] == '-' {
		offset = -offset
	}
	return time.Date(year, month, day, hour, minute, sec, 0, time.UTC).Add(-offset), true
}

func isWeekday(b []byte) bool {
	switch string(b) {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

func monthNumber(b []byte) time.Month {
	switch string(b) {
	case "Jan":
		return time.January
	case "Feb":
		return time.February
	case "Mar":
		return time.March
	case "Apr":
		return time.April
	case "May":
		return time.May
	case "Jun":
		return time.June
	case "Jul":
		return time.July
	case "Aug":
		return time.August
	case "Sep":
		return time.September
	case "Oct":
		return time.October
	case "Nov":
		return time.November
	case "Dec":
		return time.December
	}
	return 0
}

func twoDigits(b []byte) (int, bool) {
	if b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func daysIn(m time.Month, year int) int {
	// Day 0 of the next month is the last day of m.
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isoLayout is Python's datetime.isoformat() of a naive datetime; the
// fraction is optional, as isoformat omits it when microseconds are zero.
const isoLayout = "2006-01-02T15:04:05.999999999"

// parseISO parses the seed's timestamp. A timestamp without a zone is UTC
// (the seed stripped the zone of a UTC time); one with a zone is converted.
func parseISO(s string) time.Time {
	if t, err := time.Parse(isoLayout, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

// parseDigits parses a positive decimal of at most 18 digits (no overflow
// possible), the shape of timestamp_ms.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
