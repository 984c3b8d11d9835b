// Crafted models of class OutputFolder: model names that make generated
// files collide with the kernel library's files.

package hostile

import "github.com/tinygen/tinygen/internal/testmodels"

// collisionError is the text of internal/outdir's collision error.
const collisionError = "one would overwrite the other: choose another model name with --name"

// outputFolderCases returns the crafted models of class OutputFolder: a
// model whose file name (or --name) makes <m>.h or <m>.c the name of a
// kernel header or source must be refused with a collision error naming
// both files, before anything is written. A --name with path text is
// sanitised into a plain name and compiles.
func outputFolderCases() ([]Case, error) {
	kws, err := testmodels.TFLite("kws_tiny")
	if err != nil {
		return nil, err
	}
	refuse := func(name, file, want string, args ...string) Case {
		return Case{Name: "outdir/" + name, File: file, Data: kws, Args: args, WantError: want}
	}
	return []Case{
		refuse("file-tg_kernels", "tg_kernels.tflite",
			"two generated files are named tg_kernels.h (the model's API header tg_kernels.h and the kernel library's tg_kernels.h); "+collisionError),
		refuse("file-tg_port", "tg_port.tflite",
			"two generated files are named tg_port.h (the model's API header tg_port.h and the kernel library's tg_port.h)"),
		refuse("file-TG_Port-mixed-case", "TG_Port.tflite", "two generated files are named tg_port.h"),
		refuse("file-kernel-source", "tg_conv2d_s8.tflite",
			"two generated files are named tg_conv2d_s8.c (the model's schedule tg_conv2d_s8.c and the kernel library's tg_conv2d_s8.c)"),
		refuse("name-tg_kernels", "model.tflite", "two generated files are named tg_kernels.h", "--name", "tg_kernels"),
		refuse("name-kernel-source", "model.tflite", "two generated files are named tg_softmax_s8.c", "--name", "tg_softmax_s8"),
		refuse("name-upper-tg_port", "model.tflite", "two generated files are named tg_port.h", "--name", "TG_PORT", "--host-main"),
		{Name: "outdir/name-with-path", File: "model.tflite", Data: kws, Args: []string{"--name", "../../escape"}},
	}, nil
}
