package jetstream

// recentKeys remembers the keys of events emitted within a window of
// time_us behind the newest, for dropping the duplicates a rewound resume
// replays. Memory is bounded by the window: a few seconds of posts.
type recentKeys struct {
	window int64 // microseconds
	newest int64
	order  []recentKey
	set    map[string]struct{}
}

type recentKey struct {
	key    string
	timeUS int64
}

func newRecentKeys(window interface{ Microseconds() int64 }) *recentKeys {
	return &recentKeys{window: window.Microseconds(), set: map[string]struct{}{}}
}

func (r *recentKeys) has(key string) bool {
	_, ok := r.set[key]
	return ok
}

// add records key at timeUS and forgets keys older than the window. Keys
// arrive roughly in time order; one that arrives late simply lives until
// the keys before it expire.
func (r *recentKeys) add(key string, timeUS int64) {
	if _, ok := r.set[key]; ok {
		return
	}
	r.set[key] = struct{}{}
	r.order = append(r.order, recentKey{key, timeUS})
	r.newest = max(r.newest, timeUS)
	drop := 0
	for drop < len(r.order) && r.order[drop].timeUS < r.newest-r.window {
		delete(r.set, r.order[drop].key)
		drop++
	}
	if drop > 0 {
		r.order = append(r.order[:0], r.order[drop:]...)
	}
}

// keys returns the remembered keys, oldest first.
func (r *recentKeys) keys() []string {
	out := make([]string, len(r.order))
	for i, k := range r.order {
		out[i] = k.key
	}
	return out
}
