package langid

import "strings"

// Language names a language by its key (ISO 639-1 code where one exists)
// and by the NLTK stopword-list name the seed used.
type Language struct {
	Code string // ISO 639-1; "" when the language has none
	Name string // NLTK name, lower case ("english", "hinglish")
}

// Key is how the store and the API identify the language: the code, or the
// NLTK name when there is no code.
func (l Language) Key() string {
	if l.Code != "" {
		return l.Code
	}
	return l.Name
}

// known lists every NLTK stopword language (2012 and newest lists) with its
// ISO 639-1 code. Hinglish (romanised Hindi-English) has no code.
var known = []Language{
	{"ar", "arabic"}, {"az", "azerbaijani"}, {"eu", "basque"}, {"bn", "bengali"},
	{"ca", "catalan"}, {"zh", "chinese"}, {"da", "danish"}, {"nl", "dutch"},
	{"en", "english"}, {"fi", "finnish"}, {"fr", "french"}, {"de", "german"},
	{"el", "greek"}, {"he", "hebrew"}, {"", "hinglish"}, {"hu", "hungarian"},
	{"id", "indonesian"}, {"it", "italian"}, {"kk", "kazakh"}, {"ne", "nepali"},
	{"no", "norwegian"}, {"pt", "portuguese"}, {"ro", "romanian"}, {"ru", "russian"},
	{"sl", "slovene"}, {"es", "spanish"}, {"sv", "swedish"}, {"tg", "tajik"},
	{"tr", "turkish"},
	// Languages without an NLTK list, so that later detectors and platform
	// tags resolve to readable names.
	{"ja", "japanese"}, {"ko", "korean"}, {"th", "thai"}, {"hi", "hindi"},
	{"pl", "polish"}, {"uk", "ukrainian"}, {"fa", "persian"}, {"ur", "urdu"},
	{"vi", "vietnamese"}, {"tl", "tagalog"}, {"cs", "czech"}, {"sk", "slovak"},
	{"bg", "bulgarian"}, {"sr", "serbian"}, {"hr", "croatian"}, {"lt", "lithuanian"},
	{"lv", "latvian"}, {"et", "estonian"}, {"is", "icelandic"}, {"cy", "welsh"},
	{"ta", "tamil"}, {"ht", "haitian"}, {"ms", "malay"}, {"sq", "albanian"},
	{"be", "belarusian"}, {"mk", "macedonian"}, {"ka", "georgian"}, {"hy", "armenian"},
	// The rest of the ngram detector's languages (lingua-go's models), and
	// Galician, which the shared evaluation set labels.
	{"af", "afrikaans"}, {"bs", "bosnian"}, {"eo", "esperanto"}, {"ga", "irish"},
	{"gl", "galician"}, {"gu", "gujarati"}, {"la", "latin"}, {"lg", "ganda"},
	{"mi", "maori"}, {"mn", "mongolian"}, {"mr", "marathi"}, {"nn", "nynorsk"},
	{"pa", "punjabi"}, {"sn", "shona"}, {"so", "somali"}, {"st", "sotho"},
	{"sw", "swahili"}, {"te", "telugu"}, {"tn", "tswana"}, {"ts", "tsonga"},
	{"xh", "xhosa"}, {"yo", "yoruba"}, {"zu", "zulu"},
}

var byKey = func() map[string]Language {
	m := make(map[string]Language, 2*len(known))
	for _, l := range known {
		if l.Code != "" {
			m[l.Code] = l
		}
		m[l.Name] = l
	}
	// Legacy codes Twitter used.
	m["in"] = m["id"]
	m["iw"] = m["he"]
	m["nb"] = m["no"]
	return m
}()

// Lookup resolves a code or an NLTK name (case-insensitive) to a Language.
func Lookup(s string) (Language, bool) {
	l, ok := byKey[strings.ToLower(strings.TrimSpace(s))]
	return l, ok
}

// ByName returns the Language for an NLTK list name; a name geoheat does not
// know is kept as its own key so that any NLTK data directory works.
func ByName(name string) Language {
	if l, ok := byKey[name]; ok && l.Name == name {
		return l
	}
	return Language{Name: name}
}

// Describe returns the Language for a store key, falling back to a
// code-only Language for keys Lookup does not know.
func Describe(key string) Language {
	if l, ok := Lookup(key); ok {
		return l
	}
	return Language{Code: key, Name: key}
}
