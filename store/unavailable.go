package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"jiuzhu/models"
)

// Unavailable reports whether err means that the database cannot be reached for now:
// an error the store marked with models.ErrUnavailable, or one of a lost or refused
// connection that reached the caller without passing through the store's wrapping.
// Such a request may succeed when retried.
func Unavailable(err error) bool {
	return errors.Is(err, models.ErrUnavailable) || connectionLost(err)
}

// connectionLost reports whether err is a failure to reach PostgreSQL or a connection
// to it that broke: a refused or failed connect, a network error or an unexpected end of
// the stream, a connection database/sql gave up on, or an error of PostgreSQL's classes
// 08 (connection exception) and 57P01–57P03 (the server shuts down or is starting) and
// 53300 (too many connections).
func connectionLost(err error) bool {
	if err == nil {
		return false
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" ||
			pg.Code == "57P03" || pg.Code == "53300"
	}
	var netErr net.Error
	if errors.As(err, &netErr) && !netErr.Timeout() {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
