package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// countingProxy sits between the plugin and an upstream (the worker or the SQL API) and counts the
// requests that reach it and the bytes of their answers: what a refresh moves over the network.
type countingProxy struct {
	URL    string
	server *http.Server

	mu       sync.Mutex
	requests int
	bytes    int64
}

func newCountingProxy(target string) (*countingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &countingProxy{URL: "http://" + listener.Addr().String()}
	forward := httputil.NewSingleHostReverseProxy(u)
	forward.ModifyResponse = func(res *http.Response) error {
		p.mu.Lock()
		p.requests++
		p.mu.Unlock()
		res.Body = &countingBody{ReadCloser: res.Body, proxy: p}
		return nil
	}
	p.server = &http.Server{Handler: forward}
	go func() { _ = p.server.Serve(listener) }()
	return p, nil
}

type countingBody struct {
	io.ReadCloser
	proxy *countingProxy
}

func (b *countingBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	b.proxy.mu.Lock()
	b.proxy.bytes += int64(n)
	b.proxy.mu.Unlock()
	return n, err
}

func (p *countingProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests, p.bytes = 0, 0
}

func (p *countingProxy) totals() (int, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.bytes
}

func (p *countingProxy) Close() { _ = p.server.Close() }
