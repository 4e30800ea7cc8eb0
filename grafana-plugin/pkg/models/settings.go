// Package models holds the data source settings and the query model. Field names match
// src/types.ts, which the editors use.
package models

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/usagelens/analytics/pkg/contract"
)

// Mode says where the data source reads from.
type Mode string

const (
	// ModeWorker reads the worker's admin usage API with an admin API key.
	ModeWorker Mode = "worker"
	// ModeSQL reads Analytics Engine's SQL API directly with an API token.
	ModeSQL Mode = "sql"
)

// CloudflareAPI is the SQL API's default base URL.
const CloudflareAPI = "https://api.cloudflare.com"

var datasetName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Settings are a data source instance's configuration. Secrets come only from
// DecryptedSecureJSONData and are never serialized back.
type Settings struct {
	Mode          Mode   `json:"mode"`
	WorkerURL     string `json:"workerUrl"`
	AccountID     string `json:"accountId"`
	Dataset       string `json:"dataset"`
	SQLAPIBaseURL string `json:"sqlApiBaseUrl"`
	// TimeoutSeconds bounds each upstream request (AE gives up at 60 s).
	TimeoutSeconds int `json:"timeoutSeconds"`

	APIKey  string `json:"-"`
	AEToken string `json:"-"`
}

// Timeout is the upstream request timeout.
func (s *Settings) Timeout() time.Duration {
	return time.Duration(s.TimeoutSeconds) * time.Second
}

// LoadSettings reads and validates an instance's settings; the error names the field at fault.
func LoadSettings(source backend.DataSourceInstanceSettings) (*Settings, error) {
	s := &Settings{}
	if len(source.JSONData) > 0 {
		if err := json.Unmarshal(source.JSONData, s); err != nil {
			return nil, fmt.Errorf("settings are not valid JSON: %w", err)
		}
	}
	s.APIKey = strings.TrimSpace(source.DecryptedSecureJSONData["apiKey"])
	s.AEToken = strings.TrimSpace(source.DecryptedSecureJSONData["aeToken"])
	if s.Mode == "" {
		s.Mode = ModeWorker
	}
	if s.Dataset == "" {
		s.Dataset = contract.Datasets["production"]
	}
	if s.SQLAPIBaseURL == "" {
		s.SQLAPIBaseURL = CloudflareAPI
	}
	if s.TimeoutSeconds <= 0 {
		s.TimeoutSeconds = 65
	}
	return s, s.Validate()
}

// Validate reports the first missing or malformed setting of the chosen mode.
func (s *Settings) Validate() error {
	switch s.Mode {
	case ModeWorker:
		if err := checkURL("Worker URL", s.WorkerURL); err != nil {
			return err
		}
		if s.APIKey == "" {
			return fmt.Errorf("API key is missing: create an admin API key in the worker and paste it here")
		}
	case ModeSQL:
		if s.AccountID == "" {
			return fmt.Errorf("account ID is missing")
		}
		if !datasetName.MatchString(s.Dataset) {
			return fmt.Errorf("dataset %q is not a valid dataset name", s.Dataset)
		}
		if err := checkURL("SQL API base URL", s.SQLAPIBaseURL); err != nil {
			return err
		}
		if s.AEToken == "" {
			return fmt.Errorf("API token is missing: create a token with Account Analytics Read")
		}
	default:
		return fmt.Errorf("mode %q is unknown: use %q or %q", s.Mode, ModeWorker, ModeSQL)
	}
	return nil
}

func checkURL(name, raw string) error {
	if raw == "" {
		return fmt.Errorf("%s is missing", name)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q is not an http(s) URL", name, raw)
	}
	return nil
}
