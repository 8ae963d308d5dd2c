package main

import (
	"jiuzhu/casework/applications"
	"jiuzhu/casework/grievances"
	"jiuzhu/casework/households"
	"jiuzhu/policy"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestStatusPageInABrowser looks an application up on the public status page in
// Chromium on a phone-sized screen, as its applicant would: the right pair shows the
// status, the current step, the office and the dated steps, without a script error, a
// content-security violation or a page wider than the phone; a wrong tail shows the one
// message that an unknown reference shows too.
func TestStatusPageInABrowser(t *testing.T) {
	b := newBrowser(t, "the status page", 390, 844, 2*time.Minute)
	shots := artifactDir(t, "status")
	st := storetest.MustOpen(t, store.SQLite)
	village := "371402001001"
	id := idnumber.Build("371402", time.Date(1966, 11, 2, 0, 0, 0, 0, time.UTC), 31)
	h, err := households.New(st).CreateHousehold(storetest.As(models.RoleAdmin, "371400000000"), models.HouseholdInput{
		Village: village, Address: "测试路4号",
		Members: []*models.MemberInput{{Name: "孙桂英", IDNumber: id, Relation: models.RelationHead}},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := applications.New(st).SubmitApplication(storetest.As(models.RoleAssistant, village),
		models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grantCases(st).ReviewGrant(storetest.As(models.RoleOfficer, "371402001000"), g.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	// The applicant complained of delay by the hotline (P25).
	griev, err := grievances.New(st, policy.DefaultConfig()).Open(storetest.As(models.RoleAssistant, village), models.OpenGrievanceInput{
		Subject: models.GrievanceOfApplication, RecordID: *g.Reference, Category: models.GrievanceDelay,
		Channel: models.GrievanceByHotline, Summary: "孙桂英来电催办"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{Secret: []byte("a-status-page-test-secret-of-32-bytes")}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Verifier: v}))
	defer srv.Close()

	lookup := func(step, ref, tail, waitFor string) {
		b.run(step, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
			chromedp.Navigate(srv.URL+"/status/"), chromedp.WaitVisible(chromedp.CSS("#reference")),
			chromedp.SendKeys(chromedp.CSS("#reference"), ref), chromedp.SendKeys(chromedp.CSS("#idTail"), tail),
			chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(waitFor)))
	}

	lookup("look up with the right pair", strings.ToLower(*g.Reference), strings.ToLower(id[12:]), "#result")
	var shown struct {
		Lang, Ref, Status, Step, Office string
		Steps, Grievances               []string
		ScrollWidth, ClientWidth        int
		Text                            string
	}
	b.eval("read the answer", `({
		Lang: document.documentElement.lang,
		Ref: document.querySelector('#ref').textContent,
		Status: document.querySelector('#status').textContent,
		Step: document.querySelector('#step').textContent,
		Office: document.querySelector('#office').textContent,
		Steps: [...document.querySelectorAll('#steps li')].map(li => li.textContent.replace(/\s+/g, ' ').trim()),
		Grievances: [...document.querySelectorAll('#grievances li')].map(li => li.textContent.replace(/\s+/g, ' ').trim()),
		ScrollWidth: document.documentElement.scrollWidth, ClientWidth: document.documentElement.clientWidth,
		Text: document.body.innerText})`, &shown)
	b.screenshot(shots, "phone-found")
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	if shown.Lang != "zh-CN" || shown.Ref != *g.Reference || shown.Status != "乡镇（街道）审核通过" ||
		shown.Step != "县级民政部门审批中" || shown.Office != "德城区民政局" || len(shown.Steps) != 2 ||
		!strings.HasPrefix(shown.Steps[0], today) || !strings.Contains(shown.Steps[1], "新湖街道办事处") {
		t.Errorf("the page shows %+v", shown)
	}
	due := griev.DueAt.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	if want := "反映办理超时 办理中 " + today + "受理 " + due + "前答复"; len(shown.Grievances) != 1 || shown.Grievances[0] != want {
		t.Errorf("the page shows the grievances %q, want %q", shown.Grievances, want)
	}
	if strings.Contains(shown.Text, "催办") {
		t.Errorf("the page shows what the grievance says:\n%s", shown.Text)
	}
	if shown.ScrollWidth > shown.ClientWidth {
		t.Errorf("the page is %d px wide on a %d px phone", shown.ScrollWidth, shown.ClientWidth)
	}
	if strings.Contains(shown.Text, "孙桂英") || strings.Contains(shown.Text, id[12:]) {
		t.Errorf("the page shows the applicant's name or ID tail:\n%s", shown.Text)
	}

	var messages []string
	for _, c := range []struct{ name, ref, tail string }{
		{"a wrong tail", *g.Reference, "000000"},
		{"an unknown reference", strings.Replace(*g.Reference, "-0000", "-9999", 1), id[12:]},
	} {
		lookup("look up with "+c.name, c.ref, c.tail, "#message")
		var m string
		b.eval("read the message", `document.querySelector('#message').textContent + (document.querySelector('#result') ? ' and a result' : '')`, &m)
		messages = append(messages, m)
	}
	b.screenshot(shots, "phone-not-found")
	if messages[0] != messages[1] || !strings.Contains(messages[0], "未查到") {
		t.Errorf("a wrong tail shows %q, an unknown reference %q", messages[0], messages[1])
	}
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
