package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runOn runs the command on a history given as the JSON "operations" array.
func runOn(t *testing.T, ops string, extra ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append(extra, "-")
	code := run(args, strings.NewReader(`{"operations": `+ops+`}`), &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestVerdicts(t *testing.T) {
	cases := []struct {
		name string
		ops  string
		code int
	}{
		{"empty history", `[]`, exitOk},
		{"concurrent put and get may see either value", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":0,"kind":"put","key":"a","value":"y","call":20,"return":40},
			{"client":1,"kind":"get","key":"a","call":25,"return":30,"found":true,"result":"x"},
			{"client":2,"kind":"get","key":"a","call":26,"return":35,"found":true,"result":"y"},
			{"client":1,"kind":"get","key":"a","call":45,"return":50,"found":true,"result":"y"}]`, exitOk},
		{"lost acknowledged write", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":0,"kind":"put","key":"a","value":"y","call":20,"return":30},
			{"client":1,"kind":"get","key":"a","call":40,"return":50,"found":true,"result":"x"}]`, exitIllegal},
		{"stale read after a newer write completed", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":1,"kind":"get","key":"a","call":12,"return":14,"found":true,"result":"x"},
			{"client":0,"kind":"put","key":"a","value":"y","call":20,"return":30},
			{"client":1,"kind":"get","key":"a","call":31,"return":35,"found":true,"result":"x"}]`, exitIllegal},
		{"unknown put that later appears", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":1,"kind":"put","key":"a","value":"u","call":20,"return":null},
			{"client":2,"kind":"get","key":"a","call":30,"return":40,"found":true,"result":"x"},
			{"client":2,"kind":"get","key":"a","call":100,"return":110,"found":true,"result":"u"}]`, exitOk},
		{"unknown put that never appears", `[
			{"client":1,"kind":"put","key":"a","value":"u","call":0,"return":null},
			{"client":2,"kind":"get","key":"a","call":30,"return":40,"found":false}]`, exitOk},
		{"a value appears after it was overwritten", `[
			{"client":1,"kind":"put","key":"a","value":"u","call":0,"return":null},
			{"client":2,"kind":"get","key":"a","call":30,"return":40,"found":true,"result":"u"},
			{"client":3,"kind":"put","key":"a","value":"v","call":50,"return":60},
			{"client":2,"kind":"get","key":"a","call":70,"return":80,"found":true,"result":"u"}]`, exitIllegal},
		{"keys are independent", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":1,"kind":"get","key":"b","call":20,"return":30,"found":false}]`, exitOk},
		{"a value never written", `[
			{"client":1,"kind":"get","key":"a","call":0,"return":10,"found":true,"result":"z"}]`, exitIllegal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, out := runOn(t, c.ops); code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, out)
			}
		})
	}
}

func TestDeleteSemantics(t *testing.T) {
	cases := []struct {
		name string
		ops  string
		code int
	}{
		{"delete of an absent key is 404", `[
			{"client":0,"kind":"delete","key":"a","call":0,"return":10,"found":false}]`, exitOk},
		{"delete of an absent key cannot be 200", `[
			{"client":0,"kind":"delete","key":"a","call":0,"return":10,"found":true}]`, exitIllegal},
		{"delete after put is 200, then the key is absent", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":0,"kind":"delete","key":"a","call":20,"return":30,"found":true},
			{"client":0,"kind":"get","key":"a","call":40,"return":50,"found":false},
			{"client":0,"kind":"delete","key":"a","call":60,"return":70,"found":false}]`, exitOk},
		{"404 for a key that holds a value", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":0,"kind":"delete","key":"a","call":20,"return":30,"found":false}]`, exitIllegal},
		{"read of a deleted value", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":0,"kind":"delete","key":"a","call":20,"return":30,"found":true},
			{"client":1,"kind":"get","key":"a","call":40,"return":50,"found":true,"result":"x"}]`, exitIllegal},
		{"an unknown delete may or may not happen", `[
			{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":10},
			{"client":0,"kind":"delete","key":"a","call":20,"return":null},
			{"client":1,"kind":"get","key":"a","call":40,"return":50,"found":true,"result":"x"},
			{"client":1,"kind":"get","key":"a","call":60,"return":70,"found":false}]`, exitOk},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, out := runOn(t, c.ops); code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, out)
			}
		})
	}
}

func TestSummaryLine(t *testing.T) {
	code, out := runOn(t, `[
		{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":null},
		{"client":1,"kind":"get","key":"b","call":1,"return":2,"found":false},
		{"client":1,"kind":"get","key":"b","call":3,"return":4,"found":false}]`)
	want := "porcupine: Ok (3 operations, 2 keys, 1 unknown outcomes)\n"
	if code != exitOk || out != want {
		t.Fatalf("exit %d, output %q; want %q", code, out, want)
	}
}

func TestBadInput(t *testing.T) {
	for name, ops := range map[string]string{
		"not an array":        `{}`,
		"unknown kind":        `[{"client":0,"kind":"cas","key":"a","call":0,"return":1}]`,
		"missing return":      `[{"client":0,"kind":"put","key":"a","value":"x","call":0}]`,
		"return before call":  `[{"client":0,"kind":"put","key":"a","value":"x","call":5,"return":1}]`,
		"put without value":   `[{"client":0,"kind":"put","key":"a","call":0,"return":1}]`,
		"get without found":   `[{"client":0,"kind":"get","key":"a","call":0,"return":1}]`,
		"found without value": `[{"client":0,"kind":"get","key":"a","call":0,"return":1,"found":true}]`,
		"missing key":         `[{"client":0,"kind":"get","call":0,"return":1,"found":false}]`,
	} {
		if code, out := runOn(t, ops); code != exitBadInput {
			t.Errorf("%s: exit %d, want %d: %s", name, code, exitBadInput, out)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"-"}, strings.NewReader(`{"operations": [`), &out, &errOut); code != exitBadInput {
		t.Errorf("truncated JSON: exit %d", code)
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing.json")}, nil, &out, &errOut); code != exitBadInput {
		t.Errorf("missing file: exit %d", code)
	}
}

func TestHTMLOnlyWhenNotOk(t *testing.T) {
	dir := t.TempDir()
	okFile, badFile := filepath.Join(dir, "ok.html"), filepath.Join(dir, "bad.html")
	runOn(t, `[{"client":0,"kind":"get","key":"a","call":0,"return":1,"found":false}]`, "-html", okFile)
	if _, err := os.Stat(okFile); !os.IsNotExist(err) {
		t.Fatalf("visualization written for an Ok history (stat: %v)", err)
	}
	code, out := runOn(t, `[
		{"client":0,"kind":"put","key":"a","value":"x","call":0,"return":null},
		{"client":1,"kind":"get","key":"a","call":1,"return":2,"found":true,"result":"y"}]`, "-html", badFile)
	if code != exitIllegal {
		t.Fatalf("exit %d: %s", code, out)
	}
	html, err := os.ReadFile(badFile)
	if err != nil || !bytes.Contains(html, []byte("<html")) {
		t.Fatalf("no HTML visualization (err %v, %d bytes)", err, len(html))
	}
}

func TestTimeoutIsUnknown(t *testing.T) {
	// 40 concurrent puts and a read of a value none of them wrote: refuting it means trying
	// every subset of the puts, far more than 200 ms of work.
	var ops []string
	for i := 0; i < 40; i++ {
		ops = append(ops, fmt.Sprintf(`{"client":%d,"kind":"put","key":"a","value":"v%d","call":0,"return":1000}`, i, i))
	}
	ops = append(ops, `{"client":99,"kind":"get","key":"a","call":0,"return":1000,"found":true,"result":"never"}`)
	start := time.Now()
	code, out := runOn(t, "["+strings.Join(ops, ",")+"]", "-timeout", "200ms")
	if code != exitUnknown || !strings.HasPrefix(out, "porcupine: Unknown (41 operations, 1 keys, 0 unknown outcomes)") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("took %v despite the 200ms timeout", elapsed)
	}
}
