// tarlist prints a tar stream as Go's archive/tar reads it: one line per entry,
// "type<TAB>hex name<TAB>hex linkname<TAB>size<TAB>uid<TAB>gid<TAB>sha256 of the data", then
// "error<TAB>message" if reading failed. containerd, Docker and umoci read layers this way;
// tests/layers_readers.rs compares imagekit's reader with it.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Printf("error\t%v\n", err)
		return
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Printf("error\t%v\n", err)
			return
		}
		h := sha256.New()
		if _, err := io.Copy(h, tr); err != nil {
			fmt.Printf("error\t%v\n", err)
			return
		}
		fmt.Printf("%c\t%x\t%x\t%d\t%d\t%d\t%x\n", hdr.Typeflag, hdr.Name, hdr.Linkname, hdr.Size, hdr.Uid, hdr.Gid, h.Sum(nil))
	}
}
