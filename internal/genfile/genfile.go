// Package genfile defines File, the one type for a generated file that
// tinygen passes around: the emitters' output, the kernel sources a
// Program carries, the board support a target renders, a firmware
// project's files and what internal/outdir writes. It is a leaf package
// (standard library only) so that every layer can share it.
package genfile

// File is one generated file.
type File struct {
	// Name is the file name, without folders ("kws.c", "tg_board.h").
	Name string
	// Data is the file's contents.
	Data []byte
	// Origin says what produced the file, for messages: "the model's
	// schedule", "kernel set reference", "board support of cortex-m4".
	// It is never written anywhere.
	Origin string
}
