package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Message is what a gateway receives: one notice, rendered. IdempotencyKey stays the same
// however many times the notice is delivered, and the gateway must send one message to
// the person per key. The person is named by ids (HouseholdID, MemberID) and the
// application's reference, never by a name, an ID number or a phone number: the SMS
// platform holds the contact the applicant gave at the counter or on the hotline.
type Message struct {
	IdempotencyKey string  `json:"idempotencyKey"`
	Kind           string  `json:"kind"`
	AreaCode       string  `json:"areaCode"`
	HouseholdID    string  `json:"householdId"`
	MemberID       *string `json:"memberId,omitempty"`
	Reference      *string `json:"reference,omitempty"`
	// Department, for a notice to a department (a referral falling due), names it; the
	// gateway sends such a message to the department instead of the applicant.
	Department string    `json:"department,omitempty"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"createdAt"`
	Attempt    int       `json:"attempt"`
}

// Gateway delivers messages. Send returns nil once the gateway has taken the message;
// any error makes the worker try again later with the same idempotency key.
type Gateway interface {
	Send(ctx context.Context, m Message) error
}

// LogGateway writes each message to a log: the default, when no SMS platform is
// configured. The text holds no personal data.
type LogGateway struct{ Log *slog.Logger }

// Send logs m and returns nil.
func (g LogGateway) Send(ctx context.Context, m Message) error {
	g.Log.InfoContext(ctx, "notification", "idempotency_key", m.IdempotencyKey, "kind", m.Kind,
		"area", m.AreaCode, "attempt", m.Attempt, "text", m.Text)
	return nil
}

// Webhook posts each message as JSON to URL, the city's SMS platform, with the header
// Idempotency-Key set to the message's key (and the same key in the body). A 2xx answer
// is success; anything else, a timeout included, is a failure to retry.
type Webhook struct {
	URL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token  string
	Client *http.Client
}

// IdempotencyHeader is the header that carries a message's idempotency key.
const IdempotencyHeader = "Idempotency-Key"

// Send posts m. It returns an error naming the status for an answer that is not 2xx,
// and the transport's errors.
func (g Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(IdempotencyHeader, m.IdempotencyKey)
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	c := g.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		// The URL may carry a secret: keep it out of the error.
		return fmt.Errorf("webhook: %w", ue.Err)
	}
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook: the gateway answered %d", res.StatusCode)
	}
	return nil
}
