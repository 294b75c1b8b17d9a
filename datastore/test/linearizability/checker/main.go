// Command linearizability-checker checks a recorded mehdb client history for linearizability
// with porcupine (a register per key). Usage and the history format: README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// Exit codes.
const (
	exitOk         = 0
	exitIllegal    = 1
	exitBadInput   = 2
	exitUnknown    = 3 // the check timed out
	defaultTimeout = 60 * time.Second
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command, with its streams passed in so tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("linearizability-checker", flag.ContinueOnError)
	flags.SetOutput(stderr)
	timeout := flags.Duration("timeout", defaultTimeout, "give up (verdict Unknown, exit 3) after this long; 0: no limit")
	htmlFile := flags.String("html", "", "when the verdict is not Ok, write porcupine's visualization to this file")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: linearizability-checker [-timeout 60s] [-html FILE] HISTORY.json|-")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return exitBadInput
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return exitBadInput
	}
	history, err := readHistory(flags.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "linearizability-checker: %v\n", err)
		return exitBadInput
	}
	verdict := check(history, *timeout, *htmlFile, stderr)
	fmt.Fprintf(stdout, "porcupine: %s (%d operations, %d keys, %d unknown outcomes)\n",
		verdict, len(history.Operations), history.Keys, history.Unknown)
	switch verdict {
	case porcupine.Ok:
		return exitOk
	case porcupine.Illegal:
		return exitIllegal
	default:
		return exitUnknown
	}
}

// readHistory parses the history in the named file, or on stdin for "-".
func readHistory(name string, stdin io.Reader) (History, error) {
	if name == "-" {
		return ParseHistory(stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return History{}, err
	}
	defer f.Close()
	return ParseHistory(f)
}

// check runs porcupine. With htmlFile set it keeps the linearization info and, when the
// verdict is not Ok, writes the visualization (a failure to write is reported, not fatal).
func check(history History, timeout time.Duration, htmlFile string, stderr io.Writer) porcupine.CheckResult {
	if htmlFile == "" {
		return porcupine.CheckOperationsTimeout(registerModel, history.Operations, timeout)
	}
	verdict, info := porcupine.CheckOperationsVerbose(registerModel, history.Operations, timeout)
	if verdict != porcupine.Ok {
		if err := visualize(info, htmlFile); err != nil {
			fmt.Fprintf(stderr, "linearizability-checker: visualization not written: %v\n", err)
		}
	}
	return verdict
}

// visualize writes the HTML view; porcupine panics on some partial results, so that is caught.
func visualize(info porcupine.LinearizationInfo, htmlFile string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("porcupine.Visualize panicked: %v", r)
		}
	}()
	return porcupine.VisualizePath(registerModel, info, htmlFile)
}
