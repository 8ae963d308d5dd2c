package grievances

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// mayRead returns a Forbidden error for integrators: grievances, which speak of staff
// and decisions, are civil-affairs work.
func mayRead(sc store.Scope) error {
	if sc.Principal().Role == models.RoleIntegrator {
		return models.Forbidden("the %s role may not read grievances", sc.Principal().Role)
	}
	return nil
}

// Grievance returns the grievance id. It returns models.ErrUnauthenticated without a
// caller, a Forbidden error for integrators and models.ErrNotFound outside the caller's
// area.
func (s *Service) Grievance(ctx context.Context, id string) (*models.Grievance, error) {
	sc, err := casework.Open(ctx, mayRead)
	if err != nil {
		return nil, err
	}
	return s.st.Grievance(ctx, sc, id)
}

// Grievances returns a page of the grievances of area (the caller's by default), of one
// status when status is set, and only the overdue ones (OPEN after their due date) when
// overdue is true. It returns the errors of Grievance, a *models.FieldError for a bad
// area or paging argument and a Forbidden error for an area outside the caller's.
func (s *Service) Grievances(ctx context.Context, area *string, status *models.GrievanceStatus, overdue *bool, args store.PageArgs) (*store.Page[models.Grievance], error) {
	sc, err := casework.Open(ctx, mayRead)
	if err != nil {
		return nil, err
	}
	q := store.GrievanceQuery{Area: area, Status: status, Args: args}
	if overdue != nil && *overdue {
		now := s.now()
		q.OverdueAt = &now
	}
	return s.st.Grievances(ctx, sc, q)
}

// Comments returns the comments of grievance id, oldest first. Errors are those of
// Grievance.
func (s *Service) Comments(ctx context.Context, id string) ([]models.GrievanceComment, error) {
	sc, err := casework.Open(ctx, mayRead)
	if err != nil {
		return nil, err
	}
	return s.st.Comments(ctx, sc, id)
}

// Overdue counts the grievances of area (the caller's by default) still OPEN after
// their due date, in the area and in each of its children, for the dashboard. It
// returns the errors of Grievances.
func (s *Service) Overdue(ctx context.Context, area *string) (*models.OverdueGrievances, error) {
	sc, err := casework.Open(ctx, mayRead)
	if err != nil {
		return nil, err
	}
	counts, err := s.st.OverdueByArea(ctx, sc, area, s.now())
	if err != nil {
		return nil, err
	}
	code := sc.Principal().Area
	if area != nil && *area != "" {
		code = *area
	}
	out := &models.OverdueGrievances{AreaCode: code}
	children := s.tree.Children(code)
	idx := map[string]int{}
	out.Children = []*models.OverdueGrievances{}
	for i, c := range children {
		out.Children = append(out.Children, &models.OverdueGrievances{AreaCode: c, Children: []*models.OverdueGrievances{}})
		idx[c] = i
	}
	for _, c := range counts {
		out.Count += c.N
		for _, child := range children {
			if division.Contains(child, c.AreaCode) {
				out.Children[idx[child]].Count += c.N
				break
			}
		}
	}
	return out, nil
}

// IsOverdue reports whether g is still OPEN after its due date, by the service's clock.
func (s *Service) IsOverdue(g *models.Grievance) bool { return g.Overdue(s.now()) }
