package ngram

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
)

// newDetector shares one Detector across the package's tests; the model
// itself is built once per process anyway.
var testDetector = sync.OnceValues(func() (*Detector, error) { return New(Options{}) })

func newDetector(tb testing.TB) *Detector {
	tb.Helper()
	d, err := testDetector()
	if err != nil {
		tb.Fatalf("ngram.New: %v", err)
	}
	return d
}

func TestDetect(t *testing.T) {
	d := newDetector(t)
	tests := []struct {
		name, text string
		lang       string
		kept       bool
	}{
		{"english", "This is not the end of the world, we will meet again tomorrow", "en", true},
		{"spanish", "El perro y el gato duermen juntos en la casa de mi abuela", "es", true},
		{"portuguese", "Não sei se vou conseguir chegar a tempo para o jantar hoje", "pt", true},
		{"french", "Je ne sais pas pourquoi il pleut toujours quand je sors", "fr", true},
		{"german", "Ich habe heute keine Zeit, weil ich arbeiten muss", "de", true},
		{"indonesian", "Saya tidak tahu apakah dia akan datang ke rumah kami besok", "id", true},
		{"turkish", "Bugün hava çok güzel, dışarı çıkıp yürüyüş yapalım mı?", "tr", true},
		{"russian", "Я не знаю, что делать с этим вопросом сегодня вечером", "ru", true},
		{"ukrainian", "Я не знаю, що робити з цим питанням сьогодні ввечері", "uk", true},
		{"arabic", "لا أعرف ماذا أفعل بهذا السؤال هذا المساء", "ar", true},
		{"persian", "من نمی دانم امشب با این سوال چه کار کنم", "fa", true},
		{"hindi", "मुझे नहीं पता कि आज शाम इस सवाल का क्या करना है", "hi", true},
		{"japanese kana and kanji", "今日はとても暑いですね。明日は雨が降るそうです", "ja", true},
		{"chinese", "我不知道今天晚上该怎么处理这个问题", "zh", true},
		{"korean", "오늘 날씨가 정말 좋네요 산책하러 갈까요", "ko", true},
		{"thai", "วันนี้อากาศดีมาก ไปเดินเล่นกันไหม", "th", true},
		{"greek", "Δεν ξέρω τι να κάνω με αυτή την ερώτηση απόψε", "el", true},
		{"hebrew", "אני לא יודע מה לעשות עם השאלה הזאת הערב", "he", true},
		{"tajik by its letters", "Ман намедонам, ки бо ин савол чӣ кор кунам ҳоло", "tg", true},
		{"norwegian is reported as no", "Jeg vet ikke hva jeg skal gjøre med dette spørsmålet i kveld", "no", true},
		{"tweet noise stripped", "RT @someone: Esta noche vamos todos a la playa con mis amigos #fiesta https://t.co/abc123 😂😂", "es", true},
		{"japanese with an English mention", "@amazon_jp 明日の予定はどうなっていますか？", "ja", true},
		{"only noise is und", "@user https://t.co/x 😂 123 !!!", "", false},
		{"hashtags answer when nothing else does", "#TheDecision #LifeSucksWithoutTwitter", "en", true},
		{"hashtags ignored beside text", "#HappyBirthday feliz cumpleaños a mi hermana querida", "es", true},
		{"elongations", "hahaha sooooo goooood, thank youuuuu", "en", true},
		{"short English reply", "I LOVE KFC", "en", true},
		{"indonesian colloquial", "gue gak bisa dateng hari ini, udah capek banget", "id", true},
		{"malay colloquial", "korang nak pergi mana? aku tak boleh datang, penat sangat lah", "ms", true},
		{"nynorsk", "Eg veit ikkje kva eg skal gjere i kveld", "nn", true},
		{"bokmål", "Jeg vet ikke hva jeg skal gjøre i kveld", "no", true},
		{"chinese with an English product name", "Dried grapes 1000 grams from Xinjiang (新疆葡萄干浅黄色) 来自", "zh", true},
		{"a confusable close call is und", "apa itu", "", false},
		{"empty", "", "", false},
		{"too short to keep", "ok", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := d.Detect(tt.text)
			if res.Kept != tt.kept || (tt.lang != "" && res.Lang != tt.lang) {
				_, near := d.Explain(tt.text)
				t.Errorf("Detect(%q) = %+v (near: %v), want lang %q kept %v", tt.text, res, near, tt.lang, tt.kept)
			}
			if res.Total != 100 || res.Matches < 0 || res.Matches > 100 {
				t.Errorf("Detect(%q) = %+v: Matches must be a percentage of Total 100", tt.text, res)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	d := newDetector(t)
	res, near := d.Explain("Bosnian or Croatian: dobro jutro")
	if len(near) < 2 || near[0] != res.Lang {
		t.Errorf("Explain of an ambiguous text = %+v, %v; want the winner first and its close rivals", res, near)
	}
	res, near = d.Explain("The quick brown fox jumps over the lazy dog and runs away")
	if len(near) != 1 || near[0] != "en" || !res.Kept {
		t.Errorf("Explain of a clear English text = %+v, %v; want [en]", res, near)
	}
	if _, near = d.Explain("1234 !!"); near != nil {
		t.Errorf("Explain without letters = %v, want nil", near)
	}
}

func TestDetectHint(t *testing.T) {
	d := newDetector(t)
	tests := []struct {
		text, hint string
		plausible  bool
	}{
		{"Saya tidak tahu apakah dia akan datang", "id", true},
		{"Saya tidak tahu apakah dia akan datang", "ms", true}, // Malay and Indonesian are close
		{"This is clearly an English sentence about the weather today", "es", false},
		{"lol", "tl", true}, // too short to contradict any tag
		{"ดีมาก ไปเดินเล่นกันไหม", "th", true},
		{"Jeg vet ikke hva jeg skal gjøre i kveld", "no", true},
	}
	for _, tt := range tests {
		if _, got := d.DetectHint(tt.text, tt.hint); got != tt.plausible {
			t.Errorf("DetectHint(%q, %q) plausible = %v, want %v", tt.text, tt.hint, got, tt.plausible)
		}
	}
}

func TestSkipNonLanguage(t *testing.T) {
	tests := []struct {
		text string
		want string // what remains as word characters, space-separated
	}{
		{"RT @user_1: hola amigos", "hola amigos"},
		{"see https://t.co/AbC and www.example.com now", "see and now"},
		{"fish &amp; chips &lt;3", "fish chips"},
		{"#FelizNavidad a todos", "a todos"},
		{"mail me@example.com", "mail me example com"}, // '@' inside a word is not a mention
		{"@amazonさんから", "さんから"},                        // screen names are ASCII
		{"＠user 今日は", "今日は"},
		{"＃タグ 今日は", "今日は"},
		{"ARTE y RTVE", "arte y rtve"}, // RT only as a word of its own
		{"# alone @ alone", "alone alone"},
		// Laughter is not scored; words merely made of its letters are.
		{"hahaha yes HAHA ahahah hehe hihihi!", "yes"},
		{"hah aha heh hahn haha1 hawaii hei ahead", "hah aha heh hahn haha hawaii hei ahead"},
	}
	for _, tt := range tests {
		if got := keptWords(tt.text); got != tt.want {
			t.Errorf("cleaned %q = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// keptWords replays analyse's scan and returns the lower-cased words it
// would score.
func keptWords(text string) string {
	var b strings.Builder
	prev := rune(-1)
	inWord := false
	for i := 0; i < len(text); {
		if n, _ := skipNonLanguage(text, i, prev); n > 0 {
			i += n
			prev = ' '
			inWord = false
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		prev = r
		if !isWordRune(r) {
			inWord = false
			continue
		}
		if !inWord && b.Len() > 0 {
			b.WriteByte(' ')
		}
		inWord = true
		b.WriteRune(toLower(r))
	}
	return b.String()
}

func TestLanguages(t *testing.T) {
	langs := newDetector(t).Languages()
	if len(langs) < 70 {
		t.Errorf("%d languages, want at least 70", len(langs))
	}
	have := map[string]bool{}
	for _, l := range langs {
		have[l] = true
	}
	// The list, and every NLTK stopword language (Nepali and
	// Hinglish by their word lists, derived.go).
	for _, l := range strings.Fields("ja zh ko th ar hi az eu bn ca da nl en fi fr de el he hu id it kk no pt ro ru sl es sv tg tr ne hinglish") {
		if !have[l] {
			t.Errorf("language %s not covered", l)
		}
	}
}

// TestModelMemory bounds the embedded tables (the budget is 60 MB
// resident for the model): 38.5 MB of n-gram tables (modelfile.go) and
// the 3.5 MB word table.
func TestModelMemory(t *testing.T) {
	m := newDetector(t).m
	if mb := (m.memoryBytes() + len(m.words.keys) + len(m.words.entries) + len(m.vecs)) >> 20; mb > 50 {
		t.Errorf("model takes %d MiB, want at most 50", mb)
	}
}

func TestDetectDoesNotAllocate(t *testing.T) {
	d := newDetector(t)
	text := "RT @user: Esta noche vamos todos a la playa #fiesta https://t.co/abc 😂"
	if n := testing.AllocsPerRun(100, func() { d.Detect(text) }); n != 0 {
		t.Errorf("Detect allocates %v times per text, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { d.DetectHint(text, "es") }); n != 0 {
		t.Errorf("DetectHint allocates %v times per text, want 0", n)
	}
}

// TestDerivedLanguages: Nepali and Hinglish, which have no n-gram model of
// their own (derived.go), are answered on sentences written for the test,
// and their neighbours keep their answers.
func TestDerivedLanguages(t *testing.T) {
	d := newDetector(t)
	if !d.m.hasDerived {
		t.Fatal("the model has no Nepali and Hinglish word lists (modeldata.WordTable is empty: run make models)")
	}
	b, err := os.ReadFile(filepath.Join("testdata", "derived.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		lang, text, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		t.Run(lang+"/"+text, func(t *testing.T) {
			res := d.Detect(text)
			if res.Lang != lang || !res.Kept {
				_, near := d.Explain(text)
				t.Errorf("Detect(%q) = %+v (near %v), want %s kept", text, res, near, lang)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d sentences in testdata/derived.tsv", n)
	}
}

// TestIsWordRuneFastPaths: isWordRune's range shortcuts agree with the
// rule (letters and Mn, Mc marks) for every rune.
func TestIsWordRuneFastPaths(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := r < 0x80 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') || r >= 0x80 && isWordRuneSlow(r)
		if isWordRune(r) != want {
			t.Fatalf("isWordRune(%U) = %v, want %v", r, !want, want)
		}
	}
}

// TestScanFastPaths: scan's ASCII table agrees with isWordRune and
// toLower, and skipNonLanguage skips nothing that starts with a byte
// skipStarts leaves out.
func TestScanFastPaths(t *testing.T) {
	for c := range utf8.RuneSelf {
		want := byte(0)
		if isWordRune(rune(c)) {
			want = byte(toLower(rune(c)))
		}
		if asciiLower[c] != want {
			t.Errorf("asciiLower[%q] = %q, want %q", rune(c), asciiLower[c], want)
		}
	}
	tails := []string{"", "x", "ttp://a.b", "ttps://a.b", "ww.a.b", "user", "tag", "amp;", "T ", "T", "\xbc\xa0x", "\xbc\x83x", "#39;"}
	for c := range 256 {
		if skipStarts[c] {
			continue
		}
		for _, tail := range tails {
			for _, prev := range []rune{utf8.RuneError, ' ', 'a'} {
				if n, _ := skipNonLanguage(string([]byte{byte(c)})+tail, 0, prev); n != 0 {
					t.Errorf("skipNonLanguage(%q) skips %d bytes, but skipStarts[%#x] is false", string([]byte{byte(c)})+tail, n, c)
				}
			}
		}
	}
}

func TestToLowerFastPaths(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := toLower(r), unicode.ToLower(r); got != want {
			t.Fatalf("toLower(%U) = %U, want %U", r, got, want)
		}
	}
}
