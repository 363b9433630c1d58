// Calls archive/zip.NewReader (GO-2024-2888 names it): the vulnerable code is linked in.
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
)

func main() {
	r, err := zip.NewReader(bytes.NewReader(nil), 0)
	fmt.Println(r, err, len(os.Args))
}
