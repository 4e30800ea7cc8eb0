// Package pluginhost launches the built plugin binary the way Grafana does (hashicorp go-plugin
// handshake, gRPC protocol 2) and calls it: the tests use it to prove the real artifact works.
package pluginhost

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// DefaultBinary is the built backend for this machine, dist/gpx_analytics_linux_<arch>, unless
// USAGE_LENS_PLUGIN_BINARY names another.
func DefaultBinary() string {
	if b := os.Getenv("USAGE_LENS_PLUGIN_BINARY"); b != "" {
		return b
	}
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "dist", "gpx_analytics_linux_"+runtime.GOARCH)
}

// Plugin is a running plugin process.
type Plugin struct {
	client      *goplugin.Client
	data        pluginv2.DataClient
	diagnostics pluginv2.DiagnosticsClient
	resource    pluginv2.ResourceClient
}

// Launch starts binary and completes the handshake. The plugin's own logs go to logs (nil: discard).
func Launch(binary string, logs io.Writer) (*Plugin, error) {
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("plugin binary %s: %w (build it with npm run build --workspace grafana-plugin)", binary, err)
	}
	if logs == nil {
		logs = io.Discard
	}
	cmd := exec.Command(binary)
	// Grafana tells the plugin who it is; without this the SDK cannot name its metrics.
	cmd.Env = append(os.Environ(), "GF_VERSION=12.3.0", "GF_EDITION=oss")
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
				"resource":    &grpcplugin.ResourceGRPCPlugin{},
				"data":        &grpcplugin.DataGRPCPlugin{},
			},
		},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: logs, Level: hclog.Warn}),
		SyncStdout:       logs,
		SyncStderr:       logs,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("handshake with %s: %w", binary, err)
	}
	p := &Plugin{client: client}
	for name, target := range map[string]any{"data": &p.data, "diagnostics": &p.diagnostics, "resource": &p.resource} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense %s: %w", name, err)
		}
		switch t := target.(type) {
		case *pluginv2.DataClient:
			*t = raw.(pluginv2.DataClient)
		case *pluginv2.DiagnosticsClient:
			*t = raw.(pluginv2.DiagnosticsClient)
		case *pluginv2.ResourceClient:
			*t = raw.(pluginv2.ResourceClient)
		}
	}
	return p, nil
}

// Close stops the plugin process.
func (p *Plugin) Close() { p.client.Kill() }

// Exited reports whether the process has gone away.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// QueryData runs queries as Grafana's query service does.
func (p *Plugin) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	res, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(res)
}

// CheckHealth runs "Save & test".
func (p *Plugin) CheckHealth(ctx context.Context, pc backend.PluginContext) (*backend.CheckHealthResult, error) {
	res, err := p.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pc)})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(res), nil
}

// CallResource calls a resource path and collects the streamed answer.
func (p *Plugin) CallResource(ctx context.Context, req *backend.CallResourceRequest) ([]*backend.CallResourceResponse, error) {
	stream, err := p.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		return nil, err
	}
	var out []*backend.CallResourceResponse
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, backend.FromProto().CallResourceResponse(msg))
	}
}

// Context is the plugin context Grafana sends with every call for a data source instance. As in
// Grafana, the plugin keeps one instance per data source (ID, UID and last update): settings with
// another UID get their own instance.
func Context(settings backend.DataSourceInstanceSettings) backend.PluginContext {
	s := settings
	if s.ID == 0 {
		h := fnv.New32a()
		_, _ = h.Write([]byte(s.UID))
		s.ID = int64(h.Sum32())
	}
	return backend.PluginContext{OrgID: 1, PluginID: s.Type, DataSourceInstanceSettings: &s}
}
