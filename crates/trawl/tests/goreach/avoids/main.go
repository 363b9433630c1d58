// Uses only fmt and os: none of archive/zip is linked in.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello", len(os.Args))
}
