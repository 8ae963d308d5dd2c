package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"jiuzhu/notify"
	"jiuzhu/store"
)

// The variables of the notification worker that serve runs.
const (
	// envNotifyWebhook is the URL of the city's SMS platform; unset, notices go to the log.
	envNotifyWebhook = "NOTIFY_WEBHOOK_URL"
	// envNotifyToken is a bearer token for the platform, when it wants one.
	envNotifyToken = "NOTIFY_WEBHOOK_TOKEN"
	// envNotifyLease bounds one delivery (a Go duration; the webhook gets half of it).
	envNotifyLease = "NOTIFY_LEASE"
	// envNotifyPoll is the pause between claims when nothing is due.
	envNotifyPoll = "NOTIFY_POLL"
	// envNotifyBackoff is the first wait after a failed delivery; it doubles up to an hour.
	envNotifyBackoff = "NOTIFY_MIN_BACKOFF"
)

// notifyWorker returns the worker that delivers st's outbox as the environment
// configures it. It returns an error naming the variable whose value is wrong.
func notifyWorker(st *store.Store, log *slog.Logger) (*notify.Worker, error) {
	w := &notify.Worker{Outbox: st.Outbox(), Log: log}
	for _, d := range []struct {
		name string
		into *time.Duration
	}{{envNotifyLease, &w.Lease}, {envNotifyPoll, &w.Poll}, {envNotifyBackoff, &w.MinBackoff}} {
		v := os.Getenv(d.name)
		if v == "" {
			continue
		}
		p, err := time.ParseDuration(v)
		if err != nil || p <= 0 {
			return nil, fmt.Errorf("%s: %q is not a positive duration such as 30s", d.name, v)
		}
		*d.into = p
	}
	w.Gateway = notify.LogGateway{Log: log}
	if raw := os.Getenv(envNotifyWebhook); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s: not an http or https URL", envNotifyWebhook)
		}
		w.Gateway = notify.Webhook{URL: raw, Token: os.Getenv(envNotifyToken), Client: &http.Client{}}
	}
	return w, nil
}

// startNotifier runs the notification worker until ctx ends or the returned function is
// called, which waits for it to stop. It returns the errors of notifyWorker.
func startNotifier(ctx context.Context, st *store.Store, log *slog.Logger) (func(), error) {
	w, err := notifyWorker(st, log)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	if _, ok := w.Gateway.(notify.Webhook); ok {
		log.Info("notifications: delivered to the webhook of " + envNotifyWebhook)
	} else {
		log.Info("notifications: written to this log (set " + envNotifyWebhook + " for the SMS platform)")
	}
	return func() { cancel(); wg.Wait() }, nil
}
