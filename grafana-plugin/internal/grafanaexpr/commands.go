package grafanaexpr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Command is one server-side expression of a rule: reduce, math or threshold.
type Command interface {
	// Needs lists the refIDs the command reads.
	Needs() []string
	Execute(vars map[string]Result) (Result, error)
}

// ParseCommand reads an expression's model as Grafana does (pkg/expr/commands.go and
// threshold.go; the type names of ParseCommandType), with Grafana's error messages.
func ParseCommand(refID string, model map[string]any) (Command, error) {
	kind, _ := model["type"].(string)
	switch strings.ToLower(kind) {
	case "reduce":
		return parseReduce(refID, model)
	case "math":
		expression, _ := model["expression"].(string)
		if strings.TrimSpace(expression) == "" {
			return nil, fmt.Errorf("math expression for refId %v is empty", refID)
		}
		return &mathCommand{expression: expression}, nil
	case "threshold":
		return parseThreshold(refID, model)
	case "resample", "classic_conditions", "sql":
		return nil, fmt.Errorf("expression type %q is not imitated here", kind)
	}
	return nil, fmt.Errorf("'%v' is not a recognized expression type", kind)
}

type reduceCommand struct {
	input, reducer string
	mode           Mode
}

func parseReduce(refID string, model map[string]any) (*reduceCommand, error) {
	expression, _ := model["expression"].(string)
	if expression == "" {
		return nil, fmt.Errorf("no expression ID is specified to reduce. Must be a reference to an existing query or expression")
	}
	reducer, _ := model["reducer"].(string)
	if reducer == "" {
		return nil, fmt.Errorf("no reducer specified")
	}
	if _, err := reduceFunc(reducer); err != nil {
		return nil, fmt.Errorf("invalid expression '%s': %w", refID, err)
	}
	c := &reduceCommand{input: strings.TrimPrefix(expression, "$"), reducer: strings.ToLower(reducer)}
	if raw, ok := model["settings"]; ok && raw != nil {
		settings, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("field settings must be an object, got %T for refId %v", raw, refID)
		}
		mode, _ := settings["mode"].(string)
		switch mode {
		case "":
		case "dropNN":
			c.mode = Mode{Name: mode}
		case "replaceNN":
			value, ok := settings["replaceWithValue"]
			if !ok {
				return nil, fmt.Errorf("setting replaceWithValue must be specified when mode is '%s'", mode)
			}
			v, ok := number(value)
			if !ok {
				return nil, fmt.Errorf("setting replaceWithValue must be a number, got %T", value)
			}
			c.mode = Mode{Name: mode, Replace: v}
		default:
			return nil, fmt.Errorf("reducer mode '%s' is not supported. Supported only: [dropNN,replaceNN]", mode)
		}
	}
	return c, nil
}

func (c *reduceCommand) Needs() []string { return []string{c.input} }

func (c *reduceCommand) Execute(vars map[string]Result) (Result, error) {
	return Reduce(vars[c.input], c.reducer, c.mode)
}

type thresholdCommand struct {
	input     string
	evaluator string
	params    []float64
}

func parseThreshold(refID string, model map[string]any) (*thresholdCommand, error) {
	expression, _ := model["expression"].(string)
	if expression == "" {
		return nil, fmt.Errorf("no variable specified to reference for refId %v", refID)
	}
	conditions, _ := model["conditions"].([]any)
	if len(conditions) != 1 {
		return nil, fmt.Errorf("threshold expression requires exactly one condition")
	}
	condition, _ := conditions[0].(map[string]any)
	evaluator, _ := condition["evaluator"].(map[string]any)
	if _, ok := condition["unloadEvaluator"]; ok {
		return nil, fmt.Errorf("hysteresis (unloadEvaluator) is not imitated here")
	}
	kind, _ := evaluator["type"].(string)
	rawParams, _ := evaluator["params"].([]any)
	c := &thresholdCommand{input: strings.TrimPrefix(expression, "$"), evaluator: kind}
	for _, p := range rawParams {
		v, ok := number(p)
		if !ok {
			return nil, fmt.Errorf("threshold parameter %v is not a number", p)
		}
		c.params = append(c.params, v)
	}
	// Validate now, as Grafana does when it builds the pipeline.
	if _, err := Threshold(Result{NoData: true}, c.evaluator, c.params); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *thresholdCommand) Needs() []string { return []string{c.input} }

func (c *thresholdCommand) Execute(vars map[string]Result) (Result, error) {
	return Threshold(vars[c.input], c.evaluator, c.params)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

type mathCommand struct{ expression string }

func (c *mathCommand) Needs() []string {
	var out []string
	for _, t := range tokenize(c.expression) {
		if strings.HasPrefix(t, "$") {
			out = append(out, strings.Trim(t[1:], "{}"))
		}
	}
	return out
}

func (c *mathCommand) Execute(vars map[string]Result) (Result, error) {
	return Math(c.expression, vars)
}

// Math evaluates a math expression over named results ($A, ${A}): numbers, + - * / %,
// comparisons (> >= < <= == !=), && and ||, and parentheses, with Go's precedence as Grafana's
// parser (pkg/expr/mathexp/parse) has it.
func Math(expression string, vars map[string]Result) (Result, error) {
	p := &parser{tokens: tokenize(expression), vars: vars}
	result, err := p.or()
	if err != nil {
		return Result{}, err
	}
	if p.pos != len(p.tokens) {
		return Result{}, fmt.Errorf("unexpected %q in %q", p.tokens[p.pos], expression)
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
			if j < len(s) && s[j] == '{' {
				for j < len(s) && s[j] != '}' {
					j++
				}
				j++
			} else {
				for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_') {
					j++
				}
			}
			tokens = append(tokens, s[i:min(j, len(s))])
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
			if two == ">=" || two == "<=" || two == "==" || two == "!=" || two == "&&" || two == "||" || two == "**" {
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
	vars   map[string]Result
}

func (p *parser) peek() string {
	if p.pos < len(p.tokens) {
		return p.tokens[p.pos]
	}
	return ""
}

func (p *parser) binary(next func() (Result, error), ops ...string) (Result, error) {
	left, err := next()
	if err != nil {
		return Result{}, err
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
			return Result{}, err
		}
		if left, err = join(left, right, op); err != nil {
			return Result{}, err
		}
	}
}

func (p *parser) or() (Result, error)  { return p.binary(p.and, "||") }
func (p *parser) and() (Result, error) { return p.binary(p.cmp, "&&") }
func (p *parser) cmp() (Result, error) {
	return p.binary(p.sum, ">", ">=", "<", "<=", "==", "!=")
}
func (p *parser) sum() (Result, error)     { return p.binary(p.product, "+", "-") }
func (p *parser) product() (Result, error) { return p.binary(p.atom, "*", "/", "%") }

func (p *parser) atom() (Result, error) {
	t := p.peek()
	p.pos++
	switch {
	case t == "(":
		v, err := p.or()
		if err != nil {
			return Result{}, err
		}
		if p.peek() != ")" {
			return Result{}, fmt.Errorf("missing )")
		}
		p.pos++
		return v, nil
	case strings.HasPrefix(t, "$"):
		name := strings.Trim(t[1:], "{}")
		v, ok := p.vars[name]
		if !ok {
			return Result{}, fmt.Errorf("unknown variable %s", t)
		}
		return v, nil
	case t == "-" || t == "!" || t == "**":
		return Result{}, fmt.Errorf("operator %q is not imitated here", t)
	default:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return Result{}, fmt.Errorf("unexpected %q", t)
		}
		return Result{Numbers: Numbers{{Value: F(f)}}}, nil
	}
}
