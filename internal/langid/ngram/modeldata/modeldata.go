// Package modeldata carries the n-gram detector's model file and word table, built from
// lingua-go's model files by internal/tools/ngrammodel (run by make build)
// and embedded by the generated embed.go beside this file. Neither is
// committed: without them File is empty and the n-gram detector reports
// ngram.ErrNoModel, which `geoheat version` shows.
package modeldata

// File is the model file's bytes, as a string so that embedding shares the
// binary's read-only data instead of copying it to the heap.
var File string

// WordTable is the word table (words.bin: the stopword, hand and derived
// word lists and their short words' n-gram scores, in the form the
// detector reads), built by the same tool.
var WordTable string
