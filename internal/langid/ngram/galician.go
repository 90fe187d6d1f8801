package ngram

import "strings"

// Galician has no lingua-go model, yet it is a language of the shared
// evaluation set (200 of its 3,026 rows from other sources) and of the
// Iberian peninsula's posts. Its spelling sits between Portuguese and
// Spanish, so the detector scores it from those two models and decides by
// words: Galician is credited with the better of the Portuguese and Spanish
// scores, minus galicianPenalty, plus galicianWord for each word only
// Galician has, minus galicianWord for each word Galician lacks but
// Portuguese or Spanish uses. Without any such word a Portuguese or Spanish
// text keeps a margin of galicianPenalty (above the keep margin) over it.
//
// The lists are written for this purpose from the languages' grammar
// (function words, pronouns, common verb forms whose spelling differs), not
// taken from any corpus: words that any two of the three languages share
// are left out.
const (
	galicianPenalty = 3 * probScale
	galicianWord    = 4 * probScale
)

// galicianOnly: common words spelled this way in Galician only.
const galicianOnly = `
non unha unhas xa moi moito moita moitos moitas máis tamén cando coa coas cun
cunha cuns cunhas nun nunha nuns nunhas dun dunha duns dunhas iso facer fai
dixo dicir teño tiña tiñas tiñan teñen hai hoxe onte mañá miña miñas túa túas
súa súas quen entón aínda ata nin xente traballo traballar grazas lle lles che
vostede vostedes dous catro polo pola polos polas irmán irmá auga neno nena
nenos nenas xeito xunto ningunha algunha algúns algunhas calquera alguén
ninguén podo quere imos vexo xogar cousa cousas tódolos tódalas coñecer poñer
sen estiven estivo fun foron poden fan vén á ás ós despois alí ben bo home
muller xuño xullo galego galega galegos galiza galicia`

// iberianOnly: common Portuguese or Spanish words that Galician spells
// otherwise.
const iberianOnly = `
não uma umas muito muita muitos muitas você vocês então também até isso fazer
faz tenho tem têm hoje ontem amanhã minha minhas sua suas obrigado obrigada
com sem pelo pela pelos pelas lhe lhes quando quem ninguém alguém dois quatro
água menino menina trabalho disse dizer coisa coisas num numa dum duma há ele
mas bem bom já aqui ali esse essa esses essas estava foram fui tinha posso quer
depois coração pessoa pessoas gente ainda
una unas muy mucho mucha muchos muchas más también cuando donde con sin hay hoy
ayer mañana mi su sus la las los del al y lo le les hacer tengo tiene tienes
quiero puedo puede pueden dijo decir gracias ahora hermano agua niño niña
trabajo cosa cosas uno cuatro ya entonces todavía hasta ni usted ustedes ella
ellos ellas esto eso bien bueno buena después allí fue fueron estoy soy eres
es hola`

// addGalicianWords files the lists in the word table: +1 for a
// Galician-only word, -1 for a Portuguese- or Spanish-only one.
func (m *model) addGalicianWords() {
	add := func(list string, v int8) {
		for _, w := range strings.Fields(list) {
			e := m.wordEntry(w)
			e.galician = v
		}
	}
	add(galicianOnly, 1)
	add(iberianOnly, -1)
}
