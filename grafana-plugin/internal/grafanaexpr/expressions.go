// Package grafanaexpr imitates Grafana's server-side expressions (SSE: reduce, math, threshold),
// the part Usage Lens's alert rules use, so the provisioned rules can be proven against real plugin
// answers without a Grafana server. A test kit: nothing that ships imports it. Semantics follow
// Grafana's: one number per label set, math joins operands on equal labels (a set without labels
// joins every set), comparisons give 1 or 0.
package grafanaexpr

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Number is one value with its labels.
type Number struct {
	Labels data.Labels
	Value  float64
}

// Numbers is one expression result: a number per label set.
type Numbers []Number

// Reduce turns each series of a time series answer into one number.
func Reduce(frames data.Frames, reducer string) (Numbers, error) {
	var out Numbers
	for _, f := range frames {
		var valueField *data.Field
		for _, field := range f.Fields {
			if field.Type().Numeric() {
				valueField = field
			}
		}
		if valueField == nil {
			return nil, fmt.Errorf("frame %q has no numeric field to reduce", f.Name)
		}
		values := make([]float64, 0, valueField.Len())
		for i := 0; i < valueField.Len(); i++ {
			v, ok := valueField.NullableFloatAt(i)
			if ok == nil && v != nil {
				values = append(values, *v)
			}
		}
		var r float64
		switch reducer {
		case "sum":
			for _, v := range values {
				r += v
			}
		case "mean":
			for _, v := range values {
				r += v
			}
			if len(values) > 0 {
				r /= float64(len(values))
			} else {
				r = math.NaN()
			}
		case "max":
			r = math.Inf(-1)
			for _, v := range values {
				r = math.Max(r, v)
			}
		case "min":
			r = math.Inf(1)
			for _, v := range values {
				r = math.Min(r, v)
			}
		case "last":
			r = math.NaN()
			if len(values) > 0 {
				r = values[len(values)-1]
			}
		case "count":
			r = float64(len(values))
		default:
			return nil, fmt.Errorf("reducer %q is not supported here", reducer)
		}
		out = append(out, Number{Labels: valueField.Labels.Copy(), Value: r})
	}
	return out, nil
}

// Threshold gives 1 where the number passes the evaluator, else 0.
func Threshold(in Numbers, evaluator string, params []float64) (Numbers, error) {
	if len(params) == 0 {
		return nil, fmt.Errorf("threshold %s needs a parameter", evaluator)
	}
	out := make(Numbers, len(in))
	for i, n := range in {
		var pass bool
		switch evaluator {
		case "gt":
			pass = n.Value > params[0]
		case "lt":
			pass = n.Value < params[0]
		case "gte":
			pass = n.Value >= params[0]
		case "lte":
			pass = n.Value <= params[0]
		default:
			return nil, fmt.Errorf("threshold evaluator %q is not supported here", evaluator)
		}
		out[i] = Number{Labels: n.Labels, Value: boolean(pass)}
	}
	return out, nil
}

func boolean(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Math evaluates a math expression over named results ($A, $B…): numbers, + - * /, comparisons
// (> >= < <= == !=), && and ||, and parentheses.
func Math(expression string, vars map[string]Numbers) (Numbers, error) {
	p := &parser{tokens: tokenize(expression), vars: vars}
	result, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.tokens) {
		return nil, fmt.Errorf("unexpected %q in %q", p.tokens[p.pos], expression)
	}
	return result, nil
}

func tokenize(s string) []string {
	var tokens []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '$':
			j := i + 1
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_') {
				j++
			}
			tokens = append(tokens, s[i:j])
			i = j
		case unicode.IsDigit(c) || c == '.':
			j := i
			for j < len(s) && (unicode.IsDigit(rune(s[j])) || s[j] == '.' || s[j] == 'e') {
				j++
			}
			tokens = append(tokens, s[i:j])
			i = j
		default:
			two := ""
			if i+1 < len(s) {
				two = s[i : i+2]
			}
			if two == ">=" || two == "<=" || two == "==" || two == "!=" || two == "&&" || two == "||" {
				tokens = append(tokens, two)
				i += 2
			} else {
				tokens = append(tokens, string(c))
				i++
			}
		}
	}
	return tokens
}

type parser struct {
	tokens []string
	pos    int
	vars   map[string]Numbers
}

func (p *parser) peek() string {
	if p.pos < len(p.tokens) {
		return p.tokens[p.pos]
	}
	return ""
}

func (p *parser) binary(next func() (Numbers, error), ops ...string) (Numbers, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		found := false
		for _, o := range ops {
			found = found || o == op
		}
		if !found {
			return left, nil
		}
		p.pos++
		right, err := next()
		if err != nil {
			return nil, err
		}
		left = join(left, right, op)
	}
}

func (p *parser) or() (Numbers, error)  { return p.binary(p.and, "||") }
func (p *parser) and() (Numbers, error) { return p.binary(p.cmp, "&&") }
func (p *parser) cmp() (Numbers, error) {
	return p.binary(p.sum, ">", ">=", "<", "<=", "==", "!=")
}
func (p *parser) sum() (Numbers, error)     { return p.binary(p.product, "+", "-") }
func (p *parser) product() (Numbers, error) { return p.binary(p.atom, "*", "/") }

func (p *parser) atom() (Numbers, error) {
	t := p.peek()
	p.pos++
	switch {
	case t == "(":
		v, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return v, nil
	case strings.HasPrefix(t, "$"):
		v, ok := p.vars[t[1:]]
		if !ok {
			return nil, fmt.Errorf("unknown variable %s", t)
		}
		return v, nil
	default:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("unexpected %q", t)
		}
		return Numbers{{Value: f}}, nil
	}
}

func apply(a, b float64, op string) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	case ">":
		return boolean(a > b)
	case ">=":
		return boolean(a >= b)
	case "<":
		return boolean(a < b)
	case "<=":
		return boolean(a <= b)
	case "==":
		return boolean(a == b)
	case "!=":
		return boolean(a != b)
	case "&&":
		return boolean(a != 0 && b != 0)
	default: // ||
		return boolean(a != 0 || b != 0)
	}
}

// join pairs numbers with equal labels; an unlabelled side pairs with every number of the other.
func join(left, right Numbers, op string) Numbers {
	var out Numbers
	for _, l := range left {
		for _, r := range right {
			switch {
			case len(l.Labels) == 0:
				out = append(out, Number{Labels: r.Labels, Value: apply(l.Value, r.Value, op)})
			case len(r.Labels) == 0 || l.Labels.Equals(r.Labels):
				out = append(out, Number{Labels: l.Labels, Value: apply(l.Value, r.Value, op)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Labels.String() < out[j].Labels.String() })
	return out
}
