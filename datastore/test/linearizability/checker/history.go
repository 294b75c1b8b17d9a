package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/anishathalye/porcupine"
)

// historyFile is the JSON document the checker reads (see README.md).
type historyFile struct {
	Operations []recordedOp `json:"operations"`
}

// recordedOp is one client operation as the workload recorded it. Return is kept raw so that
// a missing "return" (bad input) can be told apart from "return": null (unknown outcome).
type recordedOp struct {
	Client int             `json:"client"`
	Kind   string          `json:"kind"`
	Key    string          `json:"key"`
	Value  *string         `json:"value"`
	Call   *int64          `json:"call"`
	Return json.RawMessage `json:"return"`
	Found  *bool           `json:"found"`
	Result *string         `json:"result"`
}

// History is a parsed history, ready for porcupine, with the counts the summary line reports.
type History struct {
	Operations []porcupine.Operation
	Keys       int
	Unknown    int
}

// ParseHistory reads and validates a JSON history. An operation with "return": null returns
// at infinity (math.MaxInt64) with an output that every state accepts.
func ParseHistory(r io.Reader) (History, error) {
	dec := json.NewDecoder(r)
	var file historyFile
	if err := dec.Decode(&file); err != nil {
		return History{}, fmt.Errorf("not a JSON history: %w", err)
	}
	if file.Operations == nil {
		return History{}, fmt.Errorf(`no "operations" array`)
	}
	h := History{Operations: make([]porcupine.Operation, 0, len(file.Operations))}
	keys := map[string]bool{}
	for i, rec := range file.Operations {
		op, err := rec.toOperation()
		if err != nil {
			return History{}, fmt.Errorf("operation %d: %w", i, err)
		}
		if op.Output.(opOutput).Unknown {
			h.Unknown++
		}
		keys[rec.Key] = true
		h.Operations = append(h.Operations, op)
	}
	h.Keys = len(keys)
	return h, nil
}

// toOperation validates one recorded operation and converts it to porcupine's form.
func (rec recordedOp) toOperation() (porcupine.Operation, error) {
	if rec.Key == "" {
		return porcupine.Operation{}, fmt.Errorf(`"key" is missing or empty`)
	}
	if rec.Call == nil {
		return porcupine.Operation{}, fmt.Errorf(`"call" is missing`)
	}
	if rec.Client < 0 {
		return porcupine.Operation{}, fmt.Errorf(`"client" is negative`)
	}
	ret, unknown, err := parseReturn(rec.Return, *rec.Call)
	if err != nil {
		return porcupine.Operation{}, err
	}
	in, out, err := rec.inputOutput(unknown)
	if err != nil {
		return porcupine.Operation{}, err
	}
	return porcupine.Operation{ClientId: rec.Client, Input: in, Call: *rec.Call, Output: out, Return: ret}, nil
}

// parseReturn reads the "return" field: a time not before call, or null (unknown outcome).
func parseReturn(raw json.RawMessage, call int64) (ret int64, unknown bool, err error) {
	if len(raw) == 0 {
		return 0, false, fmt.Errorf(`"return" is missing (use null for an unknown outcome)`)
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return math.MaxInt64, true, nil
	}
	if err := json.Unmarshal(raw, &ret); err != nil {
		return 0, false, fmt.Errorf(`"return" is neither an integer nor null: %s`, raw)
	}
	if ret < call {
		return 0, false, fmt.Errorf(`"return" (%d) is before "call" (%d)`, ret, call)
	}
	return ret, false, nil
}

// inputOutput checks the fields each kind needs and builds the model's input and output.
func (rec recordedOp) inputOutput(unknown bool) (opInput, opOutput, error) {
	in := opInput{Kind: rec.Kind, Key: rec.Key}
	out := opOutput{Unknown: unknown}
	switch rec.Kind {
	case kindPut:
		if rec.Value == nil {
			return in, out, fmt.Errorf(`put without "value"`)
		}
		in.Value = *rec.Value
	case kindDelete:
		if !unknown {
			if rec.Found == nil {
				return in, out, fmt.Errorf(`delete with a return but no "found"`)
			}
			out.Found = *rec.Found
		}
	case kindGet:
		if !unknown {
			if rec.Found == nil {
				return in, out, fmt.Errorf(`get with a return but no "found"`)
			}
			out.Found = *rec.Found
			if out.Found && rec.Result == nil {
				return in, out, fmt.Errorf(`get found a value but has no "result"`)
			}
			if out.Found {
				out.Result = *rec.Result
			}
		}
	default:
		return in, out, fmt.Errorf(`"kind" must be put, delete or get, not %q`, rec.Kind)
	}
	return in, out, nil
}
