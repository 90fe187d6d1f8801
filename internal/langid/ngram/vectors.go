package ngram

import (
	"encoding/binary"
	"fmt"
)

// Vectors (the dense table's and the word table's) are a text's credit
// for every language at once, summed with 8-byte adds of four 16-bit
// lanes (analysis.addVec).
//
// Lanes are ordered by script, not by language id: the Latin-script
// languages first, then the Cyrillic ones, and so on (laneOrder). An
// n-gram's credit goes almost only to the languages of its own script
// (98 % of the dense vectors with Latin-script credit have no other), so
// a vector keeps only the run of 8-byte words holding its non-zero lanes:
// 13 words for a Latin n-gram, two or three for a Cyrillic one, instead
// of 19. A vector's reference (vecRef) says where its words are and which
// words of the lanes they are.
//
// Each stored lane is the credit plus vecBias, so that no lane goes
// negative and the adds never carry into the next lane; a dense vector's
// stored values are below denseVecCap, a word's below wordVecCap (the
// build checks it), and the caps bound the lanes' sums between flushes.
const (
	vecBias     = 320
	denseVecCap = 1 << 10
	wordVecCap  = 1 << 11
	// maxVecWords bounds the words of a vector (the lanes of the model
	// file's languages), which vecRef packs in 5 bits.
	maxVecWords = 20
	// laneNone is the score index the padding lanes are flushed to: no
	// language has it (maxLangs-1 is beyond every language id in use).
	laneNone = maxLangs - 1
)

// vecRef packs a vector's place: its first word in the vectors' section
// (in words), the first lane word it covers and how many (at least 1), as
// off<<10 | first<<5 | n. It is never 0, which stands for "no vector".
func vecRef(off, first, n int) uint32 { return uint32(off)<<10 | uint32(first)<<5 | uint32(n) }

// laneOrder returns, for each lane, the language id it holds (laneNone for
// the padding lanes), the lanes of nLangs languages ordered by the first
// script each is written in (scripts' order, Latin first), then by id, and
// the number of 8-byte words the lanes take.
func laneOrder(scripts *[numScripts]langSet, nLangs int) (lanes [4 * maxVecWords]uint8, words int, err error) {
	words = (nLangs + 3) / 4
	if words > maxVecWords {
		return lanes, 0, fmt.Errorf("%w: %d languages, vectors hold at most %d", errModelFile, nLangs, 4*maxVecWords)
	}
	for i := range lanes {
		lanes[i] = laneNone
	}
	placed := langSet{}
	l := 0
	for s := range scripts {
		for id := range nLangs {
			if scripts[s].has(uint8(id)) && !placed.has(uint8(id)) {
				placed.add(uint8(id))
				lanes[l] = uint8(id)
				l++
			}
		}
	}
	for id := range nLangs {
		if !placed.has(uint8(id)) {
			lanes[l] = uint8(id)
			l++
		}
	}
	return lanes, words, nil
}

// appendVec appends the vector of scores (by language id) to vecs, in lane
// order and biased, keeping only the words from the first to the last
// holding a non-zero lane, and returns its reference. vecs is a whole
// number of 8-byte words.
func (m *model) appendVec(vecs []byte, scores *[maxLangs]int32, limit int32) ([]byte, uint32, error) {
	first, last := -1, 0
	for l := range 4 * m.vecWords {
		if id := m.lanes[l]; id != laneNone && scores[id] != 0 {
			if first < 0 {
				first = l / 4
			}
			last = l / 4
		}
	}
	if first < 0 {
		first = 0 // no credit at all: one word of zeros
	}
	off := len(vecs) / 8
	for l := 4 * first; l < 4*(last+1); l++ {
		v := int32(vecBias)
		if id := m.lanes[l]; id != laneNone {
			v += scores[id]
		}
		if v < 0 || v >= limit {
			return nil, 0, fmt.Errorf("ngram: vector lane %d: credit %d out of range", l, v-vecBias)
		}
		vecs = binary.LittleEndian.AppendUint16(vecs, uint16(v))
	}
	if off >= 1<<22 {
		return nil, 0, fmt.Errorf("ngram: vectors beyond %d words", 1<<22)
	}
	return vecs, vecRef(off, first, last+1-first), nil
}

// addVec adds the vector ref of vecs to acc: one 8-byte add for four
// lanes, over the vector's words only. limit is its kind's cap.
func (a *analysis) addVec(vecs string, ref uint32, limit int32, m *model) {
	if a.accUsed+limit > 1<<16-1 {
		a.flushAcc(m)
	}
	a.accUsed += limit
	off, first, n := int(ref>>10), int(ref>>5&31), int(ref&31)
	// Each stored lane carries vecBias: count, per lane word, the
	// vectors that covered it (as differences: +1 at the first word,
	// -1 after the last).
	a.biasDiff[first&31]++
	a.biasDiff[(first+n)&31]--
	v := vecs[8*off:][:8*n]
	acc := a.acc[first:][:n]
	w := 0
	for ; w+4 <= len(acc); w += 4 {
		x, s := v[8*w:8*w+32], (*[4]uint64)(acc[w:w+4])
		s[0] += le64(x, 0)
		s[1] += le64(x, 8)
		s[2] += le64(x, 16)
		s[3] += le64(x, 24)
	}
	for ; w < len(acc); w++ {
		acc[w] += le64(v, 8*w)
	}
}

// flushAcc adds the vectors' sums to scores, each lane less the bias of
// the vectors that covered it, and empties acc.
func (a *analysis) flushAcc(m *model) {
	if a.accUsed == 0 {
		return
	}
	covered := int32(0)
	for w := range m.vecWords {
		covered += a.biasDiff[w]
		a.biasDiff[w] = 0
		x := a.acc[w]
		a.acc[w] = 0
		bias := covered * vecBias
		l := (*[4]uint8)(m.lanes[4*w : 4*w+4])
		a.scores[l[0]&(maxLangs-1)] += int32(uint16(x)) - bias
		a.scores[l[1]&(maxLangs-1)] += int32(uint16(x>>16)) - bias
		a.scores[l[2]&(maxLangs-1)] += int32(uint16(x>>32)) - bias
		a.scores[l[3]&(maxLangs-1)] += int32(uint16(x>>48)) - bias
	}
	a.biasDiff[m.vecWords&31] = 0
	a.accUsed = 0
}
