// Command gorand writes the first N bytes of the payload stream behind go-fil-commp-hashhash's
// testdata/random.txt (used by filnet's tests/piece/test_commp.py for vectors/commp/random_gorand1337.csv).
//
// That test data came from jbenet/go-random with seed 1337: a fresh math/rand generator seeded with 1337,
// whose successive Uint32 values are written as 4 little-endian bytes each. Every payload is a prefix of
// this one stream, so a single run of the longest size serves every row.
//
// Usage: go run . N > out
package main

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gorand N")
		os.Exit(2)
	}
	total, err := strconv.ParseInt(os.Args[1], 10, 64)
	if err != nil || total < 0 {
		fmt.Fprintf(os.Stderr, "gorand: bad byte count %q\n", os.Args[1])
		os.Exit(2)
	}

	gen := rand.New(rand.NewSource(1337))
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	buf := make([]byte, 1<<16)
	for total > 0 {
		n := int64(len(buf))
		if n > total {
			n = total
		}
		for i := int64(0); i < n; i += 4 {
			v := gen.Uint32()
			for j := int64(0); j < 4 && i+j < n; j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		if _, err := out.Write(buf[:n]); err != nil {
			fmt.Fprintln(os.Stderr, "gorand:", err)
			os.Exit(1)
		}
		total -= n
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gorand:", err)
		os.Exit(1)
	}
}
