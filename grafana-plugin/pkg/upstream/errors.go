// Package upstream talks HTTP to the two places usage comes from: the worker's admin API and
// Analytics Engine's SQL API. Every failure becomes an *Error whose message says, in words, what
// went wrong and what to check.
package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// Kind sorts failures by what the user should do about them.
type Kind string

const (
	Unreachable  Kind = "unreachable"
	Unauthorized Kind = "unauthorized"
	Forbidden    Kind = "forbidden"
	Invalid      Kind = "invalid"
	Throttled    Kind = "throttled"
	Timeout      Kind = "timeout"
	Malformed    Kind = "malformed"
	Failed       Kind = "failed"
)

// Error is an upstream failure.
type Error struct {
	Kind Kind
	// Status is the upstream HTTP status, 0 when there was no answer.
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// AsError returns err's *Error, if it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// exchange sends req and reads the whole answer. what names the upstream for messages ("the
// worker"); a request without an answer or with a cut-off answer is an *Error.
func exchange(ctx context.Context, client *http.Client, req *http.Request, what, base string) (*http.Response, []byte, error) {
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, transportError(ctx, what, base, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, &Error{Kind: Malformed, Status: res.StatusCode, Message: fmt.Sprintf("the answer of %s was cut off: %v", what, err)}
	}
	return res, body, nil
}

// transportError describes a request that got no answer.
func transportError(ctx context.Context, what, url string, err error) *Error {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return &Error{Kind: Timeout, Message: fmt.Sprintf("%s at %s did not answer in time", what, url)}
	}
	if ctx.Err() != nil {
		return &Error{Kind: Timeout, Message: fmt.Sprintf("the request to %s was cancelled", what)}
	}
	return &Error{Kind: Unreachable, Message: fmt.Sprintf("cannot reach %s at %s: %v", what, url, rootCause(err))}
}

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// bodyMessage pulls a message out of an error body: the worker's {error}, Cloudflare's
// {errors:[{message}]}, or AE's plain text.
func bodyMessage(body []byte) string {
	var parsed struct {
		Error  string `json:"error"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &parsed) == nil {
		if parsed.Error != "" {
			return parsed.Error
		}
		if len(parsed.Errors) > 0 && parsed.Errors[0].Message != "" {
			return parsed.Errors[0].Message
		}
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 500 {
		text = text[:500] + "…"
	}
	if text == "" {
		// As the worker says it (usage/sql-api.ts), rather than ending a message on a colon.
		return "(empty answer)"
	}
	return text
}
