package grievances

import (
	"context"
	"slices"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// Lengths of a grievance's texts.
const (
	// MaxSummaryLen bounds what the person's grievance says.
	MaxSummaryLen = 500
	// MaxTextLen bounds a comment and an answer.
	MaxTextLen = 1000
)

// Open opens a grievance (P25) against an application (its reference number), a grant
// (its id) or a decision (the id of its status event) of the caller's area, received
// through any channel; an officer or assistant records it, for the person or on the
// person's behalf. Its due date is the end of the category's working days after today
// (policy.Config.GrievanceDue). A dispute of eligibility against a rejected application
// is an appeal: it is assigned to the office one level above the officer who rejected,
// and that officer may decide the application no more; any other grievance is assigned
// to the township of the record (policy.GrievanceOffice). The person is told through the
// outbox that it was received, and again on its due day unless it is answered first.
//
// It returns models.ErrUnauthenticated without a caller, a Forbidden error for auditors
// and integrators, models.ErrNotFound for a record outside the caller's area, and a
// *models.FieldError for bad input.
func (s *Service) Open(ctx context.Context, in models.OpenGrievanceInput) (*models.Grievance, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionSubmitApplication, "open grievances"))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(models.GrievanceSubjects, in.Subject) {
		return nil, models.Invalid("input.subject", "%s is not one of %v", privacy.Quote(string(in.Subject)), models.GrievanceSubjects)
	}
	if !slices.Contains(models.GrievanceCategories, in.Category) {
		return nil, models.Invalid("input.category", "%s is not one of %v", privacy.Quote(string(in.Category)), models.GrievanceCategories)
	}
	if !slices.Contains(models.GrievanceChannels, in.Channel) {
		return nil, models.Invalid("input.channel", "%s is not one of %v", privacy.Quote(string(in.Channel)), models.GrievanceChannels)
	}
	if _, err := input.Text("input.recordId", in.RecordID, true, 36); err != nil {
		return nil, err
	}
	summary, err := input.Text("input.summary", in.Summary, true, MaxSummaryLen)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var out *models.Grievance
	err = s.st.Write(ctx, sc, "open grievance", func(tx Tx) error {
		grant, _, err := tx.Target(in.Subject, in.RecordID)
		if err != nil {
			return err
		}
		appeal := policy.IsAppeal(in.Category, grant.Status, grant.Reference != nil)
		var decider *string
		decidedAt := ""
		if appeal {
			rej, err := tx.LastRejection(grant.ID)
			if err != nil {
				return err
			}
			if rej != nil {
				decider, decidedAt = &rej.Actor, rej.ActorArea
			}
		}
		g := &models.Grievance{
			ID: s.ids(), AreaCode: grant.AreaCode, HouseholdID: grant.HouseholdID, MemberID: grant.MemberID,
			GrantID: grant.ID, Subject: in.Subject, Category: in.Category, Channel: in.Channel,
			Appeal: appeal, Decider: decider, Status: models.GrievanceOpen, Summary: summary,
			AssignedArea: policy.GrievanceOffice(appeal, grant.AreaCode, decidedAt),
			OpenedBy:     sc.Principal().Subject, OpenedAt: now, DueAt: s.rules.GrievanceDue(in.Category, now).UTC(),
			Version: 1,
		}
		if in.Subject == models.GrievanceOfDecision {
			id := in.RecordID
			g.EventID = &id
		}
		if err := tx.Insert(g, grant); err != nil {
			return err
		}
		tx.Audit("openGrievance", g.AreaCode, []string{g.ID, g.GrantID}, nil, g)
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Comment adds a comment to grievance id. It returns models.ErrUnauthenticated without
// a caller, a Forbidden error for auditors and integrators, models.ErrNotFound for a
// grievance outside the caller's area, and a *models.FieldError for an empty or too long
// text or a closed grievance (field status).
func (s *Service) Comment(ctx context.Context, id, text string) (*models.GrievanceComment, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionSubmitApplication, "comment on grievances"))
	if err != nil {
		return nil, err
	}
	text, err = input.Text("text", text, true, MaxTextLen)
	if err != nil {
		return nil, err
	}
	var out *models.GrievanceComment
	err = s.st.Write(ctx, sc, "comment grievance", func(tx Tx) error {
		g, err := tx.Grievance(id)
		if err != nil {
			return err
		}
		if g.Status == models.GrievanceClosed {
			return models.Invalid("status", "the grievance is CLOSED and takes no more comments")
		}
		grant, _, err := tx.Target(models.GrievanceOfGrant, g.GrantID)
		if err != nil {
			return err
		}
		c := &models.GrievanceComment{ID: s.ids(), AreaCode: g.AreaCode, GrievanceID: g.ID, Author: sc.Principal().Subject, Text: text, CreatedAt: s.now().UTC()}
		if err := tx.AddComment(g, c, grant.CategoryCode); err != nil {
			return err
		}
		tx.Audit("commentGrievance", g.AreaCode, []string{g.ID, c.ID}, nil, c)
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Answer answers the OPEN grievance id. Only an officer or admin of the office the
// grievance is assigned to (or above it) answers, and never, for an appeal, the officer
// who rejected. With in.Reopen, an appeal's answer reopens the review of the rejected
// application (policy.ReopenStatus): the application goes back to the status it was
// rejected from, and its next decisions are taken by another officer than the one who
// rejected (policy.CheckAppealSeparation, enforced on every decision), so that the
// outcome of the review may change the decision. The person is told of the answer
// through the outbox, and the notice of the due date is withdrawn if it was not sent.
//
// It returns models.ErrUnauthenticated without a caller, a Forbidden error for other
// roles, for a caller outside the assigned office and for the officer who rejected,
// models.ErrNotFound for a grievance outside the caller's area, a *models.FieldError for
// an empty answer, a grievance that is not OPEN (field status) or a reopen that is not
// an appeal's or of an application no longer rejected (field input.reopen), and a
// Conflict error when a concurrent change won.
func (s *Service) Answer(ctx context.Context, id string, in models.AnswerGrievanceInput) (*models.Grievance, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionDecideGrant, "answer grievances"))
	if err != nil {
		return nil, err
	}
	answer, err := input.Text("input.answer", in.Answer, true, MaxTextLen)
	if err != nil {
		return nil, err
	}
	reopen := in.Reopen != nil && *in.Reopen
	var out *models.Grievance
	err = s.st.Write(ctx, sc, "answer grievance", func(tx Tx) error {
		g, err := tx.Grievance(id)
		if err != nil {
			return err
		}
		if err := assigned(sc.Principal(), g); err != nil {
			return err
		}
		if g.Status != models.GrievanceOpen {
			return models.Invalid("status", "the grievance is %s; only an OPEN one is answered", g.Status)
		}
		if g.Appeal && g.Decider != nil {
			if err := policy.CheckAppealSeparation([]string{*g.Decider}, sc.Principal().Subject); err != nil {
				return err
			}
		}
		if reopen && !g.Appeal {
			return models.Invalid("input.reopen", "only an appeal against a rejected application reopens its review")
		}
		grant, _, err := tx.Target(models.GrievanceOfGrant, g.GrantID)
		if err != nil {
			return err
		}
		before := *g
		if reopen {
			rej, err := tx.LastRejection(grant.ID)
			if err != nil {
				return err
			}
			var from models.GrantStatus
			if rej != nil && rej.FromStatus != nil {
				from = *rej.FromStatus
			}
			to, ok := policy.ReopenStatus(grant.Status, from)
			if !ok {
				return models.Invalid("input.reopen", "the application is %s, not rejected; there is no review to reopen", grant.Status)
			}
			was := *grant
			if err := tx.Reopen(grant, to, "reopened on appeal: "+answer); err != nil {
				return err
			}
			tx.Audit("reopenApplication", grant.AreaCode, []string{grant.ID, g.ID}, was, grant)
		}
		now := s.now().UTC()
		who := sc.Principal().Subject
		g.Status, g.Answer, g.Reopened, g.AnsweredBy, g.AnsweredAt = models.GrievanceAnswered, &answer, reopen, &who, &now
		if err := tx.Update(g, grant.CategoryCode); err != nil {
			return err
		}
		if err := tx.NoticeAnswered(g, grant); err != nil {
			return err
		}
		tx.Audit("answerGrievance", g.AreaCode, []string{g.ID, g.GrantID}, before, g)
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Close closes the ANSWERED grievance id. Errors are those of Answer, with field status
// for a grievance that is not ANSWERED.
func (s *Service) Close(ctx context.Context, id string) (*models.Grievance, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionDecideGrant, "close grievances"))
	if err != nil {
		return nil, err
	}
	var out *models.Grievance
	err = s.st.Write(ctx, sc, "close grievance", func(tx Tx) error {
		g, err := tx.Grievance(id)
		if err != nil {
			return err
		}
		if err := assigned(sc.Principal(), g); err != nil {
			return err
		}
		if g.Status != models.GrievanceAnswered {
			return models.Invalid("status", "the grievance is %s; only an ANSWERED one is closed", g.Status)
		}
		grant, _, err := tx.Target(models.GrievanceOfGrant, g.GrantID)
		if err != nil {
			return err
		}
		before := *g
		now := s.now().UTC()
		who := sc.Principal().Subject
		g.Status, g.ClosedBy, g.ClosedAt = models.GrievanceClosed, &who, &now
		if err := tx.Update(g, grant.CategoryCode); err != nil {
			return err
		}
		tx.Audit("closeGrievance", g.AreaCode, []string{g.ID, g.GrantID}, before, g)
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// assigned returns a Forbidden error unless p's area holds the office g is assigned to.
func assigned(p auth.Principal, g *models.Grievance) error {
	if !p.Covers(g.AssignedArea) {
		return models.Forbidden("the grievance is assigned to the office of %s; an officer of that office or above answers it", g.AssignedArea)
	}
	return nil
}
