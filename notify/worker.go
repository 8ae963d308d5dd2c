// Package notify delivers the notices of the outbox (store/outbox.go) to a gateway: the
// city's SMS platform through an HTTP webhook (Webhook), or a log (LogGateway, the
// default). A Worker claims due notices with a lease, renders each from the template of
// its kind, sends it, and marks it delivered, or due again after a back-off when the
// gateway fails. Delivery is at least once: a worker killed mid-delivery leaves the
// notice leased, and once the lease runs out the next claim sends it again, with the
// same idempotency key, which the gateway uses to send the person one message.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"jiuzhu/store"
)

// Outbox is what the worker needs of the store.
type Outbox interface {
	ClaimNotificationsUnscoped(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Notification, error)
	MarkNotificationDeliveredUnscoped(ctx context.Context, id string, at time.Time) error
	RetryNotificationUnscoped(ctx context.Context, id string, due time.Time, reason string) error
}

// Defaults of a Worker's settings.
const (
	DefaultLease      = time.Minute
	DefaultPoll       = 2 * time.Second
	DefaultBatch      = 50
	DefaultMinBackoff = 5 * time.Second
	DefaultMaxBackoff = time.Hour
)

// Worker delivers the outbox's notices.
type Worker struct {
	Outbox  Outbox
	Gateway Gateway
	Log     *slog.Logger
	// Lease is how long a claimed notice is reserved; a delivery must end within it
	// (the worker gives each send half of it). Poll is the pause between claims when
	// nothing is due; Batch how many notices one claim takes.
	Lease, Poll time.Duration
	Batch       int
	// MinBackoff and MaxBackoff bound the wait after a failed attempt, which doubles
	// with each attempt.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (w *Worker) defaults() {
	if w.Lease <= 0 {
		w.Lease = DefaultLease
	}
	if w.Poll <= 0 {
		w.Poll = DefaultPoll
	}
	if w.Batch <= 0 {
		w.Batch = DefaultBatch
	}
	if w.MinBackoff <= 0 {
		w.MinBackoff = DefaultMinBackoff
	}
	if w.MaxBackoff < w.MinBackoff {
		w.MaxBackoff = max(DefaultMaxBackoff, w.MinBackoff)
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Now == nil {
		w.Now = time.Now
	}
}

// Run delivers notices until ctx ends, and then returns nil. Errors of the store are
// logged and retried at the next poll.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.Log.WarnContext(ctx, "notify: claiming notices failed", "err", err)
		}
		if n == w.Batch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce claims the due notices once and delivers them, returning how many it claimed.
// A notice whose delivery failed is made due again after Backoff; one that cannot be
// rendered (no template) is retried too, at the longest back-off, and logged, so that a
// release adding the template delivers it. It returns the store's errors.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	ns, err := w.Outbox.ClaimNotificationsUnscoped(ctx, w.Now(), w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	for i := range ns {
		if ctx.Err() != nil {
			return len(ns), nil
		}
		if err := w.deliver(ctx, &ns[i]); err != nil {
			return len(ns), err
		}
	}
	return len(ns), nil
}

func (w *Worker) deliver(ctx context.Context, n *store.Notification) error {
	text, err := Render(n)
	if err != nil {
		w.Log.ErrorContext(ctx, "notify: a notice cannot be rendered", "id", n.ID, "kind", n.Kind, "err", err)
		return w.Outbox.RetryNotificationUnscoped(ctx, n.ID, w.Now().Add(w.MaxBackoff), "no template")
	}
	m := Message{IdempotencyKey: n.ID, Kind: string(n.Kind), AreaCode: n.AreaCode, HouseholdID: n.HouseholdID,
		MemberID: n.MemberID, Reference: n.Reference, Text: text, CreatedAt: n.CreatedAt.UTC(), Attempt: n.Attempts,
		Department: n.Param()["department"]}
	sendCtx, cancel := context.WithTimeout(ctx, w.Lease/2)
	err = w.Gateway.Send(sendCtx, m)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: leave the lease to run out, and the next worker to send.
			return nil
		}
		wait := w.Backoff(n.Attempts)
		w.Log.WarnContext(ctx, "notify: delivery failed; retrying later", "id", n.ID, "attempt", n.Attempts, "retry_in", wait.String(), "err", err)
		return w.Outbox.RetryNotificationUnscoped(ctx, n.ID, w.Now().Add(wait), reason(err))
	}
	return w.Outbox.MarkNotificationDeliveredUnscoped(ctx, n.ID, w.Now())
}

// Backoff returns the wait after the attempt-th failed attempt: MinBackoff doubled for
// each attempt before, at most MaxBackoff, less up to a fifth at random so that notices
// that failed together are not retried together.
func (w *Worker) Backoff(attempt int) time.Duration {
	w.defaults()
	d := w.MinBackoff
	for i := 1; i < attempt && d < w.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.MaxBackoff)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// reason is the error kept on the notice: the gateway's error, which names a status or
// a transport failure and holds no personal data.
func reason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "webhook: no answer within the lease"
	}
	return err.Error()
}
