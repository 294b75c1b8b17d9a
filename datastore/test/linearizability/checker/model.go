package main

import (
	"fmt"
	"hash/fnv"
	"sort"

	"github.com/anishathalye/porcupine"
)

const (
	kindPut    = "put"
	kindDelete = "delete"
	kindGet    = "get"
)

// opInput is what the client asked for.
type opInput struct {
	Kind  string
	Key   string
	Value string // put only
}

// opOutput is what the client saw. Unknown: the outcome is not known (the operation returns
// at infinity); every state accepts it.
type opOutput struct {
	Unknown bool
	Found   bool   // delete: 200 (true) or 404 (false); get: 200 or 404
	Result  string // get with Found
}

// register is the state of one key: absent, or present with a value. Comparable, so
// porcupine's default == equality works.
type register struct {
	Present bool
	Value   string
}

// stepRegister is the sequential specification of one key.
func stepRegister(state, input, output interface{}) (bool, interface{}) {
	st := state.(register)
	in := input.(opInput)
	out := output.(opOutput)
	switch in.Kind {
	case kindPut:
		return true, register{Present: true, Value: in.Value}
	case kindDelete:
		return out.Unknown || out.Found == st.Present, register{}
	default: // get
		if out.Unknown {
			return true, st
		}
		return out.Found == st.Present && (!out.Found || out.Result == st.Value), st
	}
}

// partitionByKey splits the history into one sub-history per key, in key order.
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		key := op.Input.(opInput).Key
		byKey[key] = append(byKey[key], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([][]porcupine.Operation, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, byKey[k])
	}
	return parts
}

func hashRegister(state interface{}) uint64 {
	st := state.(register)
	if !st.Present {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(st.Value))
	return h.Sum64() | 1
}

func describeOperation(input, output interface{}) string {
	in := input.(opInput)
	out := output.(opOutput)
	switch {
	case in.Kind == kindPut && out.Unknown:
		return fmt.Sprintf("put(%s, %q) -> unknown", in.Key, in.Value)
	case in.Kind == kindPut:
		return fmt.Sprintf("put(%s, %q)", in.Key, in.Value)
	case out.Unknown:
		return fmt.Sprintf("%s(%s) -> unknown", in.Kind, in.Key)
	case in.Kind == kindDelete:
		return fmt.Sprintf("delete(%s) -> %s", in.Key, map[bool]string{true: "found", false: "absent"}[out.Found])
	case out.Found:
		return fmt.Sprintf("get(%s) -> %q", in.Key, out.Result)
	default:
		return fmt.Sprintf("get(%s) -> absent", in.Key)
	}
}

func describeState(state interface{}) string {
	st := state.(register)
	if !st.Present {
		return "absent"
	}
	return fmt.Sprintf("%q", st.Value)
}

// registerModel: a register per key (partitioned by key); state = value or absent.
var registerModel = porcupine.Model{
	Partition:         partitionByKey,
	Init:              func() interface{} { return register{} },
	Step:              stepRegister,
	Hash:              hashRegister,
	DescribeOperation: describeOperation,
	DescribeState:     describeState,
}
