package applications

import (
	"context"
	"slices"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// SubmitApplication receives an application at the one door (P5, P11): whatever the
// channel, it becomes a PENDING grant on an active program for a household of the
// caller's area (optionally one member; medical programs need one, P3), with a reference
// number of the form JZ-371402-2026-000123 (county, year, number) that the applicant and
// the hotline follow it by. The number comes from a counter per county and year
// incremented in the same unit of work, so a county's numbers have no gaps and no
// duplicates, and show nothing of other counties' volume. The amount stays zero until
// approval sets it, and the start date is the day of the application until then.
//
// It returns a Forbidden error for auditors and integrators, models.ErrNotFound for a
// household or member outside the caller's area, and a *models.FieldError for bad input
// or an inactive program, or a discoveryId that is not an unclosed case of the household
// without an application (P24; the case then links back to the application).
func (s *Service) SubmitApplication(ctx context.Context, in models.ApplicationInput) (*models.Grant, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionSubmitApplication, "submit applications"))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(models.ApplicationChannels, in.Channel) {
		return nil, models.Invalid("input.channel", "%s is not a channel", privacy.Quote(string(in.Channel)))
	}
	note, err := input.OptionalText("input.note", in.Note, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	today := s.now().In(policy.ChinaTime)
	var out *models.Grant
	err = s.st.Write(ctx, sc, "submit application", func(tx Tx) error {
		prog, err := tx.Program(in.ProgramCode)
		if err != nil {
			return models.WithField("input.programCode", err)
		}
		if !prog.Active {
			return models.Invalid("input.programCode", "program %s is not active; applications open only on active programs", prog.Code)
		}
		h, err := tx.Household(in.HouseholdID)
		if err != nil {
			return err
		}
		if in.MemberID != nil {
			if _, err := tx.Member(h.ID, *in.MemberID); err != nil {
				return err
			}
		}
		if in.MemberID == nil && prog.CategoryCode == catalogue.CategoryMedical {
			return models.Invalid("input.memberId", "medical assistance is for one person: name the member (P3)")
		}
		var linked *models.DiscoveryCase
		if in.DiscoveryID != nil {
			c, err := tx.DiscoveryCase(strings.TrimSpace(*in.DiscoveryID))
			if err != nil {
				return models.WithField("input.discoveryId", err)
			}
			switch {
			case c.HouseholdID != h.ID:
				return models.Invalid("input.discoveryId", "is a case of another household")
			case c.Status == models.CaseClosed:
				return models.Invalid("input.discoveryId", "the discovery case is closed")
			case c.ApplicationID != nil:
				return models.Invalid("input.discoveryId", "an application was made from the discovery case already")
			}
			linked = c
		}
		// The counter row is taken last, so that it is held for as short a time as possible.
		county, n, err := tx.NextNumber(h.AreaCode, today.Year())
		if err != nil {
			return err
		}
		ref := policy.ApplicationReference(county, today.Year(), n)
		ch := in.Channel
		g := &models.Grant{
			ID: s.ids(), HouseholdID: h.ID, MemberID: in.MemberID, AreaCode: h.AreaCode,
			ProgramCode: prog.Code, CategoryCode: prog.CategoryCode, Status: models.GrantPending,
			StartDate: models.DateOf(today), Version: 1, CreatedBy: sc.Principal().Subject,
			Reference: &ref, Channel: &ch,
		}
		reason := "application received via " + string(ch)
		if note != nil {
			reason += ": " + *note
		}
		if err := tx.Insert(g, reason); err != nil {
			return err
		}
		ids := []string{g.ID, g.HouseholdID}
		if linked != nil {
			before := *linked
			linked.ApplicationID = &g.ID
			if err := tx.UpdateDiscoveryCase(linked); err != nil {
				return err
			}
			tx.Audit("linkDiscoveryCase", linked.AreaCode, []string{linked.ID, g.ID}, before, linked)
			ids = append(ids, linked.ID)
		}
		if err := tx.Submitted(g); err != nil { // the referral to the deciding department
			return err
		}
		tx.Audit("submitApplication", g.AreaCode, ids, nil, g)
		out = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
