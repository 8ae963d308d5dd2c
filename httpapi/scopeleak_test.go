package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/seed"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// Expectations of a scope-leak case. Whatever the expectation, the answer must not hold
// any id, name, ID number, address or reference of the sibling subtree's records, and
// nothing may change.
const (
	// expectOK: no error (public data, or the caller's own records only).
	expectOK = "OK"
	// expectEmpty: no error, and every list and totalCount in the answer is empty.
	expectEmpty = "EMPTY"
)

// leakCase is one call of a field with arguments that point into the sibling subtree.
// The query may use these variables:
//   - $hid, $mid, $headId, $gid: a household, a member, its head and its ACTIVE dibao
//     grant, of the sibling subtree; $idNumber and $ref: the sibling member's full ID
//     number and the household's external reference; $address: its address;
//   - $appId and $reference: a PENDING temporary-assistance application of the sibling
//     household and its reference number; $reviewedId: a REVIEWED application;
//     $suspendedId: a SUSPENDED grant;
//   - $sid, $staffName, $phone: a staff member of the sibling village, its name and phone;
//   - $area and $village: the sibling area and one of its villages; $siblingTownship:
//     the township of that village (the caller's own for a village caller); $siblingCounty:
//     a county outside the caller's, which has a dibao standard of year $siblingYear (and
//     so does the caller's county, of year $ownYear);
//   - $cursor: a keyset cursor at the sibling household;
//   - $ownHid, $ownMid: a household of the caller's own area and its head; $ownSid: a
//     staff member of the caller's own village; $ownVillage, $ownTownship: the caller's
//     village and its township;
//   - $fresh: a valid ID number of nobody registered;
//   - $caseId: a discovery case of the sibling village; $reviewId: the open review of the
//     sibling's ACTIVE dibao grant.
//
// The sibling township's reserve fund has a top-up and a draw; the sibling household has
// charity aid and a verification.
type leakCase struct {
	query string
	// want is expectOK, expectEmpty or an error code (NOT_FOUND, FORBIDDEN, CONFLICT,
	// BAD_USER_INPUT).
	want string
	// action, when set, is what the field needs the role to be allowed: a role without
	// it must get FORBIDDEN instead of want.
	action auth.Action
	// byTier overrides want (after action) for the tiers it names, where the caller's
	// tier decides the answer before any record is read (a county officer may not draw
	// on a township's fund).
	byTier map[string]string
	// wantIn lists what the answer must contain; "$name" stands for the value of a
	// variable.
	wantIn []string
}

// leakCases lists the cases of every Query and Mutation field, keyed "Query.name" or
// "Mutation.name". A field of the schema without an entry fails TestScopeLeakMatrix:
// whoever adds a field adds its cases here.
var leakCases = map[string][]leakCase{
	"Query.me":            {{query: `{ me { subject role area { code name } level categories } }`, want: expectOK}},
	"Query.jurisdiction":  {{query: `query($area: String!) { jurisdiction(code: $area) { code name children { code name } } }`, want: expectOK}},
	"Query.jurisdictions": {{query: `query($area: String) { jurisdictions(parent: $area) { code name } }`, want: expectOK}},
	"Query.programs":      {{query: `{ programs { code name category { code programs { code } } } }`, want: expectOK}},
	"Query.categories":    {{query: `{ categories { code name } }`, want: expectOK}},
	// A referral of the sibling subtree does not exist for the caller; a department's
	// integrator of the caller's area sees only its own department's queue.
	"Query.referral": {
		{query: `query($referralId: ID!) { referral(id: $referralId) { id application { id reference } } }`, want: models.ErrNotFound.Error()},
		{query: `query($ownHid: ID!) { household(id: $ownHid) { grants { referral { id } } } }`, want: expectOK},
	},
	"Query.referrals": {
		{query: `query($area: String) { referrals(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `query($cursor: String) { referrals(last: 5, before: $cursor) { totalCount edges { node { id areaCode application { id } } } } }`, want: expectOK},
		{query: `{ referrals(filter: {overdue: true}) { totalCount edges { node { id } } } }`, want: expectOK},
	},
	"Query.referralCounts": {
		{query: `query($area: String) { referralCounts(area: $area) { department open } }`, want: models.ErrForbidden.Error()},
		{query: `{ referralCounts { department areaCode open overdue } }`, want: expectOK},
	},
	"Mutation.acceptReferral": {{query: `mutation($referralId: ID!) { acceptReferral(id: $referralId) { id status } }`,
		want: models.ErrNotFound.Error(), action: auth.ActionHandleReferral, byTier: map[string]string{"county integrator": models.ErrForbidden.Error()}}},
	"Mutation.decideReferral": {{query: `mutation($referralId: ID!) { decideReferral(id: $referralId, input: {decision: REJECT, reason: "越界"}) { id status } }`,
		want: models.ErrNotFound.Error(), action: auth.ActionHandleReferral, byTier: map[string]string{"county integrator": models.ErrForbidden.Error()}}},
	"Mutation.returnReferral": {{query: `mutation($referralId: ID!) { returnReferral(id: $referralId, reason: "越界") { id status } }`,
		want: models.ErrNotFound.Error(), action: auth.ActionHandleReferral, byTier: map[string]string{"county integrator": models.ErrForbidden.Error()}}},
	// The catalogue is changed by a city-level admin, or for a county by an admin covering it.
	"Mutation.addProgram": {{query: `mutation { addProgram(input: {code: "LEAK_PROGRAM", name: "越界", categoryCode: "TEMPORARY"}) { code } }`,
		want: models.ErrForbidden.Error(), action: auth.ActionManageCatalogue}},
	"Mutation.changeProgram": {{query: `mutation($siblingCounty: String) { changeProgram(code: "TEMPORARY_RELIEF", input: {areaCode: $siblingCounty, effectiveFrom: "2026-01-01", closedFrom: "2026-01-01", reason: "越界"}) { id } }`,
		want: models.ErrForbidden.Error(), action: auth.ActionManageCatalogue}},
	"Query.household": {
		{query: `query($hid: ID!) { household(id: $hid) { id address members { name idNumber } } }`, want: models.ErrNotFound.Error()},
		{query: `query($ownHid: ID!) { household(id: $ownHid) { head { household { id } } members { name household { address } } grants { household { id } member { name } events { actor } } } }`, want: expectOK},
		{query: `query($ownHid: ID!) { household(id: $ownHid) { charityAid { id organisation } verifications { id members { member { name } } } latestVerification { id } dibaoStandard { county { code } year } grants { reference medicalClaim { id } } } }`, want: expectOK},
		{query: `query($hid: ID!) { household(id: $hid) { verifications { id documents { id sha256 createdBy } } } }`, want: models.ErrNotFound.Error()},
		{query: `query($ownHid: ID!) { household(id: $ownHid) { verifications { id documents { id sha256 createdBy downloadPath } } grants { documents { id } } } }`, want: expectOK},
	},
	"Query.households": {
		{query: `query($area: String) { households(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { households(area: $village) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `query($ref: String) { households(filter: {externalRef: $ref}) { totalCount edges { node { id address } } } }`, want: expectEmpty},
		{query: `query($address: String) { households(filter: {addressContains: $address}) { totalCount edges { node { id } } } }`, want: expectEmpty},
		{query: `query($cursor: String) { households(first: 100, after: $cursor) { edges { node { id address areaCode members { name } grants { id } } } } }`, want: expectOK},
		{query: `query($cursor: String) { households(last: 100, before: $cursor) { pageInfo { startCursor } edges { node { id address areaCode members { name } grants { id } } } } }`, want: expectOK},
		{query: `{ households(last: 100) { totalCount edges { node { id address areaCode } } } }`, want: expectOK},
		{query: `query($ref: String, $cursor: String) { households(filter: {externalRef: $ref}, last: 100, before: $cursor) { totalCount edges { node { id } } } }`, want: expectEmpty},
		// A person of the sibling subtree, searched by name, name prefix, ID number or
		// phone, is nobody: an empty list and a count of 0. Searching by a value the role
		// may not read unmasked is FORBIDDEN, whoever it names.
		{query: `query($memberName: String) { households(filter: {memberName: $memberName}) { totalCount edges { node { id address members { name } } } } }`, want: expectEmpty},
		{query: `query($memberName: String) { households(filter: {memberNamePrefix: $memberName}) { totalCount edges { node { id } } } }`, want: expectEmpty},
		{query: `query($memberName: String, $cursor: String) { households(filter: {memberNamePrefix: $memberName}, last: 100, before: $cursor) { totalCount edges { node { id } } } }`, want: expectEmpty},
		{query: `query($idNumber: String) { households(filter: {memberIdNumber: $idNumber}) { totalCount edges { node { id members { idNumber } } } } }`, want: expectEmpty, action: auth.ActionRevealIDNumber},
		{query: `query($memberPhone: String) { households(filter: {memberPhone: $memberPhone}) { totalCount edges { node { id members { phone } } } } }`, want: expectEmpty, action: auth.ActionRevealMemberPhone},
	},
	"Query.member": {
		{query: `query($mid: ID!) { member(id: $mid) { id name idNumber } }`, want: models.ErrNotFound.Error()},
		{query: `query($mid: ID!) { member(id: $mid) { idNumber(reveal: true) } }`, want: models.ErrNotFound.Error()},
		{query: `query($mid: ID!) { member(id: $mid) { name phone(reveal: true) } }`, want: models.ErrNotFound.Error()},
		{query: `query($ownMid: ID!) { member(id: $ownMid) { name phone } }`, want: expectOK},
	},
	"Query.memberByIdNumber": {
		{query: `query($idNumber: String!) { memberByIdNumber(idNumber: $idNumber) { id name household { address } } }`, want: models.ErrNotFound.Error()},
	},
	"Query.grant": {
		{query: `query($gid: ID!) { grant(id: $gid) { id amount household { id } } }`, want: models.ErrNotFound.Error()},
		{query: `query($gid: ID!) { grant(id: $gid) { overridden calculation { formula inputs { name value } } } }`, want: models.ErrNotFound.Error()},
		{query: `query($appId: ID!) { grant(id: $appId) { id documents { id sha256 createdBy downloadPath } } }`, want: models.ErrNotFound.Error()},
	},
	"Query.grants": {
		{query: `query($area: String) { grants(area: $area) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `{ grants(first: 100) { totalCount edges { node { reference household { address members { name } } member { name } events { actor } } } } }`, want: expectOK},
		{query: `{ grants(first: 100) { edges { node { id overridden calculation { method formula computed amount overrideReason actor inputs { name value } } } } } }`, want: expectOK},
		{query: `{ grants(first: 50) { edges { node { id documents { id recordKind recordId kind size contentType sha256 createdBy createdAt downloadPath } } } } }`, want: expectOK},
		{query: `query($cursor: String) { grants(last: 100, before: $cursor) { totalCount pageInfo { startCursor endCursor } edges { node { id reference household { address } member { name } } } } }`, want: expectOK},
		{query: `query($hid: ID, $cursor: String) { grants(filter: {householdId: $hid}, last: 100, after: $cursor) { totalCount edges { node { id } } } }`, want: expectEmpty},
		{query: `query($hid: ID) { grants(filter: {householdId: $hid}) { totalCount edges { node { id household { id } } } } }`, want: expectEmpty},
	},
	// The lookups of the status page (P25), for admins and auditors, as the audit trail:
	// FORBIDDEN outside the caller's area; the caller's own list and counts hold none of
	// the sibling's lookups nor of the references no application has (the city's area).
	"Query.statusLookups": {
		{query: `query($area: String) { statusLookups(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { statusLookups(area: $village, filter: {outcome: MISMATCH}) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `{ statusLookups(first: 100) { totalCount edges { node { id areaCode outcome referenceDigest addressDigest createdAt } } } }`,
			want: expectOK, action: auth.ActionReadAudit, wantIn: []string{"$ownLookupId"}},
		{query: `query($cursor: String) { statusLookups(last: 100, before: $cursor) { edges { node { id } } } }`, want: models.ErrInvalid.Error(), action: auth.ActionReadAudit},
	},
	"Query.failedStatusLookups": {
		{query: `query($area: String) { failedStatusLookups(area: $area, by: ADDRESS) { digest failed } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { failedStatusLookups(area: $village, by: REFERENCE) { digest failed } }`, want: models.ErrForbidden.Error()},
		{query: `{ failedStatusLookups(by: ADDRESS, top: 100) { digest failed distinct first last } }`, want: expectOK, action: auth.ActionReadAudit},
		{query: `{ failedStatusLookups(by: REFERENCE, top: 100) { digest failed distinct first last } }`,
			want: expectOK, action: auth.ActionReadAudit, wantIn: []string{"$ownLookupDigest"}},
	},
	// The daily job's alerts of the status page (P25), for admins and auditors: an alert
	// lies in a county or in the city, so FORBIDDEN outside the caller's area, and the
	// caller's own list and counts hold none of the sibling county's alerts nor of the
	// city's; a county caller sees its county's. Acknowledging one outside the caller's
	// area is NOT_FOUND for admins, FORBIDDEN for other roles.
	"Query.statusLookupAlerts": {
		{query: `query($area: String) { statusLookupAlerts(area: $area) { totalCount edges { node { id digest } } } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { statusLookupAlerts(area: $village, filter: {by: REFERENCE}) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `{ statusLookupAlerts(first: 100) { totalCount edges { node { id by digest area { code } windowFrom windowTo failed distinct createdAt acknowledgement { by at note } } } } }`,
			want: expectOK, action: auth.ActionReadAudit},
		{query: `{ statusLookupAlerts(first: 100, filter: {by: ADDRESS}) { totalCount edges { node { id digest } } } }`, want: expectEmpty, action: auth.ActionReadAudit},
		{query: `query($ownCounty: String) { statusLookupAlerts(area: $ownCounty, first: 100, filter: {acknowledged: false}) { totalCount edges { node { id digest area { code } } } } }`,
			want: expectOK, action: auth.ActionReadAudit, byTier: map[string]string{"township admin": models.ErrForbidden.Error()}, wantIn: []string{"$ownAlertId"}},
		{query: `query($cursor: String) { statusLookupAlerts(first: 100, after: $cursor) { edges { node { id } } } }`, want: models.ErrInvalid.Error(), action: auth.ActionReadAudit},
	},
	"Mutation.acknowledgeStatusLookupAlert": {
		{query: `mutation($siblingAlertId: ID!) { acknowledgeStatusLookupAlert(id: $siblingAlertId, note: "越界") { id acknowledgement { by } } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionAcknowledgeStatusAlert},
		{query: `mutation($cityAlertId: ID!) { acknowledgeStatusLookupAlert(id: $cityAlertId, note: "越界") { id digest } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionAcknowledgeStatusAlert},
		{query: `mutation($siblingAlertId: ID!) { acknowledgeStatusLookupAlert(id: $siblingAlertId, note: "   ") { id } }`,
			want: models.ErrInvalid.Error(), action: auth.ActionAcknowledgeStatusAlert},
	},
	"Query.auditEvents": {
		{query: `query($area: String) { auditEvents(area: $area) { totalCount edges { node { records } } } }`, want: models.ErrForbidden.Error()},
		{query: `{ auditEvents(first: 100) { edges { node { records areaCode } } } }`, want: expectOK, action: auth.ActionReadAudit},
		{query: `query($cursor: String) { auditEvents(last: 100, before: $cursor) { pageInfo { startCursor } edges { node { records areaCode } } } }`, want: expectOK, action: auth.ActionReadAudit},
	},
	"Mutation.createHousehold": {
		{query: `mutation($village: String!, $fresh: String!) { createHousehold(input: {village: $village, address: "越界路1号", members: [{name: "越界人", idNumber: $fresh, relation: HEAD}]}) { id } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownVillage: String!, $ref: String, $fresh: String!) { createHousehold(input: {village: $ownVillage, address: "越界路4号", externalRef: $ref, members: [{name: "越界人", idNumber: $fresh, relation: HEAD}]}) { id } }`,
			want: models.ErrConflict.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.updateHousehold": {
		{query: `mutation($hid: ID!) { updateHousehold(id: $hid, input: {address: "篡改"}) { id address } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownHid: ID!, $village: String) { updateHousehold(id: $ownHid, input: {village: $village}) { id } }`, want: models.ErrForbidden.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.addMember": {
		{query: `mutation($hid: ID!, $fresh: String!) { addMember(householdId: $hid, input: {name: "外人", idNumber: $fresh, relation: OTHER}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownHid: ID!, $idNumber: String!) { addMember(householdId: $ownHid, input: {name: "冒名", idNumber: $idNumber, relation: OTHER}) { id } }`, want: models.ErrConflict.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.updateMember": {
		{query: `mutation($mid: ID!) { updateMember(id: $mid, input: {name: "篡改"}) { id name } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.removeMember": {
		{query: `mutation($mid: ID!) { removeMember(id: $mid) { id name } }`, want: models.ErrNotFound.Error(), action: auth.ActionRemoveMember},
	},
	"Mutation.setHouseholdHead": {
		{query: `mutation($hid: ID!, $mid: ID!) { setHouseholdHead(householdId: $hid, memberId: $mid, formerHeadRelation: SPOUSE) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownHid: ID!, $mid: ID!) { setHouseholdHead(householdId: $ownHid, memberId: $mid, formerHeadRelation: SPOUSE) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.createGrant": {
		{query: `mutation($hid: ID!) { createGrant(input: {householdId: $hid, programCode: "TEMPORARY_RELIEF", amount: "500.00", startDate: "2026-01-01"}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteGrant},
		{query: `mutation($ownHid: ID!, $mid: ID) { createGrant(input: {householdId: $ownHid, memberId: $mid, programCode: "TEMPORARY_RELIEF", amount: "500.00", startDate: "2026-01-01"}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteGrant},
	},

	// The application lifecycle: the sibling's applications and grants are NOT_FOUND by
	// id and by reference, whatever their status, before any rule of the move is checked.
	"Query.application": {
		{query: `query($reference: String!) { application(reference: $reference) { id reference household { address } events { actor } } }`, want: models.ErrNotFound.Error()},
	},
	"Mutation.submitApplication": {
		{query: `mutation($hid: ID!) { submitApplication(input: {householdId: $hid, programCode: "TEMPORARY_RELIEF", channel: WALK_IN, note: "越界"}) { id reference } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
		{query: `mutation($ownHid: ID!, $mid: ID) { submitApplication(input: {householdId: $ownHid, memberId: $mid, programCode: "MEDICAL_INPATIENT", channel: ONLINE}) { id reference } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.reviewGrant": {
		{query: `mutation($appId: ID!) { reviewGrant(id: $appId, expectedVersion: 1, reason: "越界") { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.approveGrant": {
		{query: `mutation($reviewedId: ID!) { approveGrant(id: $reviewedId, input: {amount: "900.00", startDate: "2026-01-01"}) { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
		{query: `mutation($reviewedId: ID!) { approveGrant(id: $reviewedId, input: {startDate: "2026-01-01", override: {amount: "1.00", reason: "越界"}}) { id overridden calculation { formula } } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.rejectGrant": {
		{query: `mutation($appId: ID!) { rejectGrant(id: $appId, reason: "越界") { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
		{query: `mutation($reviewedId: ID!) { rejectGrant(id: $reviewedId, reason: "越界", expectedVersion: 2) { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.suspendGrant": {
		{query: `mutation($gid: ID!) { suspendGrant(id: $gid, reason: "越界") { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.clearReviewFlag": {
		{query: `mutation($gid: ID!) { clearReviewFlag(grantId: $gid, reason: "越界") { id reviewFlag reviewReason } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.resumeGrant": {
		{query: `mutation($suspendedId: ID!) { resumeGrant(id: $suspendedId, reason: "越界") { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.terminateGrant": {
		{query: `mutation($gid: ID!) { terminateGrant(id: $gid, reason: "越界") { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
		{query: `mutation($suspendedId: ID!) { terminateGrant(id: $suspendedId, reason: "越界", expectedVersion: 2) { id status } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.fileCharityAid": {
		{query: `mutation($hid: ID!) { fileCharityAid(input: {householdId: $hid, organisation: "越界基金会", date: "2026-01-01", kind: IN_KIND, amount: "10.00", filedInAdvance: false}) { id } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionFileCharityAid},
	},
	// Reserve funds are kept per township: the sibling township's is FORBIDDEN by code and
	// its grants NOT_FOUND to a township caller; other tiers may not draw at all.
	"Query.reserveFund": {
		{query: `query($siblingTownship: String!) { reserveFund(township: $siblingTownship) { balance entries(first: 100) { totalCount edges { node { id note grant { id } } } } } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionReadReserve},
		{query: `query($ownTownship: String!) { reserveFund(township: $ownTownship) { balance entries(first: 100) { totalCount edges { node { id note actor grant { id reference household { address } } } } } } }`,
			want: expectOK, action: auth.ActionReadReserve, byTier: map[string]string{"village assistant": models.ErrForbidden.Error()}},
		{query: `query($ownTownship: String!, $cursor: String) { reserveFund(township: $ownTownship) { entries(last: 100, before: $cursor) { totalCount edges { node { id note grant { id reference } } } } } }`,
			want: expectOK, action: auth.ActionReadReserve, byTier: map[string]string{"village assistant": models.ErrForbidden.Error()}},
	},
	"Mutation.topUpReserve": {
		{query: `mutation($siblingTownship: String!) { topUpReserve(township: $siblingTownship, amount: "100.00", note: "越界") { id balanceAfter } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionTopUpReserve},
	},
	"Mutation.drawReserve": {
		{query: `mutation($appId: ID!) { drawReserve(grantId: $appId, amount: "1.00", note: "越界") { id balanceAfter } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionDrawReserve, byTier: map[string]string{"county officer": models.ErrForbidden.Error()}},
	},
	// Policy rules. Dibao standards are published figures: every caller reads its own
	// county's, none another county's.
	"Query.dibaoStandards": {
		{query: `query($siblingCounty: String) { dibaoStandards(area: $siblingCounty) { id countyCode year } }`, want: models.ErrForbidden.Error()},
		{query: `query($area: String) { dibaoStandards(area: $area) { id countyCode year } }`, want: models.ErrForbidden.Error()},
		{query: `query($siblingYear: Int) { dibaoStandards(year: $siblingYear) { id countyCode year } }`, want: expectEmpty},
		{query: `query($ownYear: Int) { dibaoStandards(year: $ownYear) { countyCode year county { code } } }`, want: expectOK, wantIn: []string{`"countyCode":"371402000000"`}},
		{query: `{ dibaoStandards { id countyCode year setBy } }`, want: expectOK},
	},
	"Mutation.setDibaoStandard": {
		{query: `mutation($siblingCounty: String!, $siblingYear: Int!) { setDibaoStandard(county: $siblingCounty, year: $siblingYear, urban: "2000.00", rural: "1900.00") { id } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionSetStandard},
	},
	// Entitlement parameters are published figures like the standards: every caller
	// reads its own county's, none another county's, and only the city or the county
	// itself sets them. The check of one benefit lists the caller's own area only.
	"Query.entitlementParameters": {
		{query: `query($siblingCounty: String) { entitlementParameters(county: $siblingCounty) { id countyCode year } }`, want: models.ErrForbidden.Error()},
		{query: `query($siblingYear: Int) { entitlementParameters(year: $siblingYear) { id countyCode year } }`, want: expectEmpty},
		{query: `{ entitlementParameters { id countyCode year effectiveFrom tekunMultiple programs { programCode } setBy } }`, want: expectOK},
	},
	"Mutation.setEntitlementParameters": {
		{query: `mutation($siblingCounty: String!) { setEntitlementParameters(input: {county: $siblingCounty, year: 2026, effectiveFrom: "2026-01-01", dibaoMinPerPerson: "1.00"}) { id } }`,
			want: models.ErrForbidden.Error()},
	},
	"Query.oneBenefitViolations": {
		{query: `{ oneBenefitViolations { rule grantId otherGrantId householdId areaCode detail } }`, want: expectOK, action: auth.ActionCheckBenefits},
	},
	"Query.discoveryCase": {
		{query: `query($caseId: ID!) { discoveryCase(id: $caseId) { id household { id } visits { note } } }`, want: models.ErrNotFound.Error(), byTier: noIntegrator},
	},
	"Query.discoveryCases": {
		{query: `query($area: String) { discoveryCases(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `{ discoveryCases(first: 100) { totalCount edges { node { id reasons household { id address } assignee { name } application { id } visits { note } } } } }`, want: expectOK, byTier: noIntegrator},
		{query: `query($cursor: String) { discoveryCases(last: 100, before: $cursor) { totalCount pageInfo { startCursor } edges { node { id household { id } } } } }`, want: expectOK, byTier: noIntegrator},
	},
	"Query.discoveryCaseStats": {
		{query: `query($area: String) { discoveryCaseStats(area: $area) { areaCode found } }`, want: models.ErrForbidden.Error()},
		{query: `{ discoveryCaseStats { areaCode level found followed closed granted stale } }`, want: expectOK, byTier: noIntegrator},
	},
	"Query.review": {
		{query: `query($reviewId: ID!) { review(id: $reviewId) { id grant { id household { id } } } }`, want: models.ErrNotFound.Error()},
		{query: `query($reviewId: ID!) { review(id: $reviewId) { id documents { id sha256 createdBy } } }`, want: models.ErrNotFound.Error()},
	},
	"Query.reviews": {
		{query: `query($area: String) { reviews(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `{ reviews(first: 100) { totalCount edges { node { id township dueOn grant { id household { id address } } } } } }`, want: expectOK},
		{query: `{ reviews(first: 100) { edges { node { id documents { id recordId sha256 createdBy downloadPath } grant { documents { id } } } } } }`, want: expectOK},
		{query: `query($cursor: String) { reviews(last: 100, before: $cursor) { totalCount pageInfo { startCursor } edges { node { id grant { id } } } } }`, want: expectOK},
	},
	"Query.reviewCounts": {
		{query: `query($area: String) { reviewCounts(area: $area) { due overdue } }`, want: models.ErrForbidden.Error()},
		{query: `{ reviewCounts { due overdue } }`, want: expectOK},
	},
	"Mutation.openDiscoveryCase": {
		{query: `mutation($hid: ID!) { openDiscoveryCase(input: {householdId: $hid}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.assignDiscoveryCase": {
		{query: `mutation($caseId: ID!, $ownSid: ID!) { assignDiscoveryCase(id: $caseId, assigneeId: $ownSid) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.recordDiscoveryVisit": {
		{query: `mutation($caseId: ID!) { recordDiscoveryVisit(id: $caseId, input: {visitedOn: "2026-01-01", note: "越界"}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.closeDiscoveryCase": {
		{query: `mutation($caseId: ID!) { closeDiscoveryCase(id: $caseId, input: {outcome: REFUSED}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.closeReview": {
		{query: `mutation($reviewId: ID!) { closeReview(id: $reviewId, input: {outcome: VERIFIED}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Query.discoveries": {
		{query: `query($area: String) { discoveries(area: $area) { totalCount edges { node { household { id } } } } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { discoveries(area: $village) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `{ discoveries(first: 100) { totalCount edges { node { reasons household { id address externalRef members { name } verifications { id sourceDepartment } } } } } }`, want: expectOK},
		{query: `{ discoveries(last: 100) { totalCount pageInfo { startCursor } edges { node { reasons household { id address externalRef members { name } } } } } }`, want: expectOK},
		{query: `query($cursor: String) { discoveries(last: 100, before: $cursor) { edges { node { household { id } } } } }`, want: models.ErrInvalid.Error()},
	},
	"Mutation.recordVerification": {
		{query: `mutation($hid: ID!, $headId: ID, $mid: ID) { recordVerification(householdId: $hid, input: {sourceDepartment: "越界", checkDate: "2026-01-01",
		  members: [{memberId: $headId, monthlyIncome: "0.00"}, {memberId: $mid, monthlyIncome: "0.00"}]}) { id } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionRecordVerification},
		{query: `mutation($ownHid: ID!, $ownMid: ID, $mid: ID) { recordVerification(householdId: $ownHid, input: {sourceDepartment: "越界", checkDate: "2026-01-01",
		  members: [{memberId: $ownMid, monthlyIncome: "0.00"}, {memberId: $mid, monthlyIncome: "0.00"}]}) { id members { member { name } } } }`,
			want: models.ErrInvalid.Error(), action: auth.ActionRecordVerification},
		{query: `mutation($ownHid: ID!, $ownMid: ID, $idNumber: String) { recordVerification(householdId: $ownHid, input: {sourceDepartment: "越界", checkDate: "2026-01-01",
		  members: [{memberId: $ownMid, monthlyIncome: "0.00"}, {idNumber: $idNumber, monthlyIncome: "0.00"}]}) { id members { member { name } } } }`,
			want: models.ErrInvalid.Error(), action: auth.ActionRecordVerification},
	},
	// Staffing: the sibling's staff are NOT_FOUND by id and absent from lists; its areas
	// are FORBIDDEN as arguments, in reads and writes alike.
	"Query.staffMember": {
		{query: `query($sid: ID!) { staffMember(id: $sid) { id name phone area { code } } }`, want: models.ErrNotFound.Error(), action: auth.ActionReadStaffing},
		{query: `query($sid: ID!) { staffMember(id: $sid) { phone(reveal: true) } }`, want: models.ErrNotFound.Error(), action: auth.ActionReadStaffing},
	},
	"Query.staff": {
		{query: `query($area: String) { staff(area: $area) { totalCount edges { node { id name } } } }`, want: models.ErrForbidden.Error(), action: auth.ActionReadStaffing},
		{query: `query($village: String) { staff(area: $village, post: VILLAGE_COORDINATOR) { totalCount } }`, want: models.ErrForbidden.Error(), action: auth.ActionReadStaffing},
		{query: `query($staffName: String) { staff(filter: {nameContains: $staffName}) { totalCount edges { node { id name } } } }`, want: expectEmpty, action: auth.ActionReadStaffing},
		{query: `{ staff(first: 100) { totalCount edges { node { id name phone areaCode } } } }`, want: expectOK, action: auth.ActionReadStaffing},
		{query: `query($cursor: String) { staff(last: 100, before: $cursor) { totalCount pageInfo { startCursor } edges { node { id name phone areaCode } } } }`, want: expectOK, action: auth.ActionReadStaffing},
	},
	"Query.staffingReport": {
		{query: `query($area: String) { staffingReport(area: $area) { total { townships } } }`, want: models.ErrForbidden.Error(), action: auth.ActionReadStaffing},
		{query: `{ staffingReport { area { code } townships { township { code } population civilAffairsStaff } villagesShort { village { code } activeRecipients coordinators } } }`,
			want: expectOK, action: auth.ActionReadStaffing},
	},
	"Mutation.createStaff": {
		{query: `mutation($village: String!) { createStaff(input: {name: "越界协理员", post: VILLAGE_COORDINATOR, area: $village, from: "2025-01-01"}) { id } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionWriteStaff},
	},
	"Mutation.updateStaff": {
		{query: `mutation($sid: ID!) { updateStaff(id: $sid, input: {name: "篡改", phone: "13800000000"}) { id name phone } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteStaff},
		{query: `mutation($ownSid: ID!, $village: String) { updateStaff(id: $ownSid, input: {area: $village}) { id } }`, want: models.ErrForbidden.Error(), action: auth.ActionWriteStaff},
	},
	"Mutation.endStaff": {
		{query: `mutation($sid: ID!) { endStaff(id: $sid, until: "2030-01-01") { id until } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteStaff},
	},
	"Mutation.setPopulation": {
		{query: `mutation($siblingTownship: String!) { setPopulation(code: $siblingTownship, population: 1) { code population } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionSetPopulation},
	},
	// Integrators: the change feed holds the caller's area only; an import cannot reach a
	// sibling's village, reference or person. ID numbers and external references are
	// unique city-wide (P2), so a taken one is a CONFLICT that names no household.
	"Query.changes": {
		{query: `{ changes(first: 1000) { pageInfo { endCursor } edges { node { id areaCode entity household { id address } member { name } grant { id reference }
		    payrollLine { id reference householdId grant { id } account holder } } } } }`, want: expectOK},
	},
	"Mutation.importHouseholds": {
		{query: `mutation($village: String!, $fresh: String!) { importHouseholds(records: [{externalRef: "LEAK-IMPORT", village: $village, address: "越界路2号",
		  members: [{name: "越界人", idNumber: $fresh, relation: HEAD}]}]) { committed created rejected results { id outcome } errors { field code reason } } }`,
			want: expectOK, action: auth.ActionImport, wantIn: []string{`"committed":false`, `"code":"FORBIDDEN"`}},
		{query: `mutation($ownVillage: String!, $idNumber: String!) { importHouseholds(records: [{externalRef: "LEAK-IMPORT", village: $ownVillage, address: "越界路2号",
		  members: [{name: "冒名", idNumber: $idNumber, relation: HEAD}]}]) { committed created rejected results { id outcome } errors { field code reason } } }`,
			want: expectOK, action: auth.ActionImport, wantIn: []string{`"committed":false`, `"rejected":1`, `"code":"CONFLICT"`}},
		{query: `mutation($ownVillage: String!, $ref: String!, $fresh: String!) { importHouseholds(records: [{externalRef: $ref, village: $ownVillage, address: "越界路3号",
		  members: [{name: "越界人", idNumber: $fresh, relation: HEAD}]}], dryRun: true) { committed created updated rejected results { id outcome } errors { field code reason } } }`,
			want: expectOK, action: auth.ActionImport, wantIn: []string{`"committed":false`, `"rejected":1`, `"code":"CONFLICT"`}},
	},
	// A department's check of a person of the sibling subtree is refused exactly like a
	// check of an unknown person, and moves nothing (a GRACE move would be a leak too).
	"Mutation.importVerifications": {
		{query: `mutation($idNumber: String!) { importVerifications(records: [{idNumber: $idNumber, source: "TAX", checkDate: "2026-01-05",
		  monthlyIncome: "9000.00", ownsVehicle: true}]) { committed created rejected results { id outcome } errors { field code reason } } }`,
			want: expectOK, action: auth.ActionImport,
			wantIn: []string{`"committed":false`, `"rejected":1`, `"code":"NOT_FOUND"`, "no person with this ID number is registered in your area"}},
		{query: `mutation($idNumber: String!) { importVerifications(records: [{idNumber: $idNumber, source: "TAX", checkDate: "2026-01-05",
		  monthlyIncome: "9000.00"}], dryRun: true, partial: true) { committed created rejected errors { field code reason } } }`,
			want: expectOK, action: auth.ActionImport, wantIn: []string{`"rejected":1`, `"code":"NOT_FOUND"`}},
	},
	// The payroll (P22) is county work: a sibling county's payroll is NOT_FOUND to a
	// county officer and FORBIDDEN, before any record is read, to the tiers and roles
	// that may not do the work; a sibling household's payee is null (none in the
	// caller's area) and never revealed.
	"Query.payee": {
		{query: `query($hid: ID!) { payee(householdId: $hid) { householdId bank account holder } }`, want: models.ErrNotFound.Error(), byTier: payrollNoIntegrator},
		{query: `query($hid: ID!) { payee(householdId: $hid) { account(reveal: true) } }`, want: models.ErrNotFound.Error(), byTier: payrollNoIntegrator},
	},
	"Query.payroll": {
		{query: `query($payrollId: ID!) { payroll(id: $payrollId) { id month total paid lines(first: 100) { edges { node { reference account holder grant { id } } } } } }`,
			want: models.ErrNotFound.Error(), byTier: payrollReaders},
		{query: `query($payrollId: ID!) { payroll(id: $payrollId) { lines(last: 100, before: "9") { edges { node { reference householdId } } } } }`,
			want: models.ErrNotFound.Error(), byTier: payrollReaders},
	},
	"Query.payrollOf": {
		{query: `query($siblingCounty: String!, $payrollMonth: String!) { payrollOf(county: $siblingCounty, month: $payrollMonth) { id total } }`,
			want: models.ErrNotFound.Error(), byTier: payrollReaders},
	},
	// Grievances (P25) are NOT_FOUND outside the caller's area, and FORBIDDEN to
	// integrators whatever the area.
	"Query.grievance": {
		{query: `query($grievanceId: ID!) { grievance(id: $grievanceId) { id summary comments { text } } }`, want: models.ErrNotFound.Error(), byTier: noIntegrator},
		{query: `query($grievanceId: ID!) { grievance(id: $grievanceId) { id documents { id sha256 createdBy } } }`, want: models.ErrNotFound.Error(), byTier: noIntegrator},
	},
	"Query.grievances": {
		{query: `query($area: String) { grievances(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `{ grievances(first: 100) { totalCount edges { node { id summary grantId comments { text } } } } }`, want: expectOK, byTier: noIntegrator},
		{query: `{ grievances(first: 100) { edges { node { id documents { id recordId sha256 createdBy downloadPath } } } } }`, want: expectOK, byTier: noIntegrator},
		{query: `query($cursor: String) { grievances(last: 100, before: $cursor, overdue: false) { totalCount pageInfo { startCursor } edges { node { id summary } } } }`, want: expectOK, byTier: noIntegrator},
		{query: `{ grievances(overdue: true, status: OPEN) { totalCount edges { node { id } } } }`, want: expectEmpty, byTier: noIntegrator},
	},
	"Query.overdueGrievances": {
		{query: `query($area: String) { overdueGrievances(area: $area) { count } }`, want: models.ErrForbidden.Error()},
		{query: `{ overdueGrievances { count area { code } children { count area { code } } } }`, want: expectOK, byTier: noIntegrator},
	},
	"Mutation.openGrievance": {
		{query: `mutation($reference: String!) { openGrievance(input: {subject: APPLICATION, recordId: $reference, category: DELAY, channel: HOTLINE, summary: "越界"}) { id } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
		{query: `mutation($gid: String!) { openGrievance(input: {subject: GRANT, recordId: $gid, category: AMOUNT, channel: ONLINE, summary: "越界"}) { id } }`,
			want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.commentGrievance": {
		{query: `mutation($grievanceId: ID!) { commentGrievance(id: $grievanceId, text: "越界") { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	// A document of the sibling (an application's, a grievance's) is withdrawn by the
	// roles that upload, inside their area only.
	"Mutation.withdrawDocument": {
		{query: `mutation($documentId: ID!) { withdrawDocument(id: $documentId, reason: "越界") { id withdrawnAt withdrawnBy withdrawalReason } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
		{query: `mutation($grievanceDocumentId: ID!) { withdrawDocument(id: $grievanceDocumentId, reason: "越界") { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionSubmitApplication},
	},
	"Mutation.answerGrievance": {
		{query: `mutation($grievanceId: ID!) { answerGrievance(id: $grievanceId, input: {answer: "越界"}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.closeGrievance": {
		{query: `mutation($grievanceId: ID!) { closeGrievance(id: $grievanceId) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionDecideGrant},
	},
	"Mutation.setPayee": {
		{query: `mutation($hid: ID!) { setPayee(input: {householdId: $hid, bank: "越界银行", account: "6222000000000001", holder: "越界"}) { householdId account } }`,
			want: models.ErrNotFound.Error(), byTier: map[string]string{"county integrator": models.ErrForbidden.Error(), "county auditor": models.ErrForbidden.Error(),
				"county education bureau": models.ErrForbidden.Error()}},
	},
	"Mutation.generatePayroll": {
		{query: `mutation($siblingCounty: String!, $payrollMonth: String!) { generatePayroll(county: $siblingCounty, month: $payrollMonth) { id } }`,
			want: models.ErrForbidden.Error(), byTier: payrollCountyOfficer},
	},
	"Mutation.generateSupplementaryPayroll": {
		{query: `mutation($siblingCounty: String!, $payrollMonth: String!) { generateSupplementaryPayroll(county: $siblingCounty, month: $payrollMonth) { id } }`,
			want: models.ErrForbidden.Error(), byTier: payrollCountyOfficer},
	},
	"Mutation.discardPayroll": {
		{query: `mutation($payrollId: ID!) { discardPayroll(id: $payrollId) { id } }`, want: models.ErrForbidden.Error(), byTier: payrollCountyOfficer},
	},
	"Mutation.approvePayroll": {
		{query: `mutation($payrollId: ID!) { approvePayroll(id: $payrollId) { id status } }`, want: models.ErrForbidden.Error(), byTier: payrollCountyOfficer},
	},
	"Mutation.importReconciliation": {
		{query: `mutation($payrollId: ID!) { importReconciliation(payrollId: $payrollId, records: [{reference: "371403-000000-0-000001", status: PAID, amount: "1.00"}]) { paid failed } }`,
			want: models.ErrForbidden.Error(), byTier: payrollCountyOfficer},
	},
	// Dashboard aggregates count the caller's subtree only.
	"Query.areaStats": {
		{query: `query($area: String) { areaStats(area: $area) { households } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { areaStats(area: $village) { households } }`, want: models.ErrForbidden.Error()},
		{query: `{ areaStats { area { code } households members activeHouseholds overriddenGrants children { area { code } households overriddenGrants } } }`, want: expectOK},
	},
	"Query.trends": {
		{query: `query($area: String) { trends(area: $area, months: 3) { months { month newApplications } } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { trends(area: $village) { months { month } } }`, want: models.ErrForbidden.Error()},
	},
}

// Tier overrides of the payroll's cases: who may not read payrolls or payees at all, and
// the one tier of the matrix that may write payrolls (the others are refused before any
// record is read).
var (
	payrollNoIntegrator = map[string]string{"county integrator": models.ErrForbidden.Error(), "county education bureau": models.ErrForbidden.Error()}
	payrollReaders      = map[string]string{"village assistant": models.ErrForbidden.Error(), "county integrator": models.ErrForbidden.Error(),
		"county education bureau": models.ErrForbidden.Error()}
	payrollCountyOfficer = map[string]string{"county officer": models.ErrNotFound.Error()}
	// noIntegrator: integrators may not read grievances (casework/grievances) nor
	// discovery cases (casework/discoveries).
	noIntegrator = map[string]string{"county integrator": models.ErrForbidden.Error(), "county education bureau": models.ErrForbidden.Error()}
)

// wantCodes maps the sentinel texts used in leakCases to GraphQL codes.
var wantCodes = map[string]string{
	models.ErrNotFound.Error():  httpapi.CodeNotFound,
	models.ErrForbidden.Error(): httpapi.CodeForbidden,
	models.ErrConflict.Error():  httpapi.CodeConflict,
	models.ErrInvalid.Error():   httpapi.CodeBadUserInput,
}

// leakTier is a caller and the sibling subtree it must not reach.
type leakTier struct {
	name    string
	p       auth.Principal
	sibling string
}

// planted is what the test registers, through the API as the city admin, in the
// sibling subtree and in the caller's own area.
type planted struct {
	vars    map[string]any
	secrets []string
}

// townshipOf returns the code of the township of a township or village code.
func townshipOf(code string) string { return code[:9] + "000" }

// plant registers the caller's own records first, then calls between, then registers the
// sibling subtree's records.
func plant(t *testing.T, e *env, admin string, tier leakTier, n int, between func()) planted {
	t.Helper()
	village := firstVillage(e, tier.sibling)
	own := firstVillage(e, tier.p.Area)
	birth := time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	headID := idnumber.Build("371428", birth, 101)
	memberID := idnumber.Build("371428", birth, 102)
	ownID := idnumber.Build("371428", birth, 103)
	fresh := idnumber.Build("371428", birth, 104)
	ref := fmt.Sprintf("LEAK-REF-%d", n)
	address := fmt.Sprintf("泄漏检查路%d号", n)
	// Names unique to this tier: records planted for one tier may lie in another's area.
	stem := []string{"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"}[n]
	headName, memberName := "隐秘户主"+stem, "隐秘成员"+stem

	// The caller's own records: a household, a staff member, and a dibao standard of its
	// county for a year of its own (far ahead, so no household's standard in force
	// changes; the sibling county gets one the same way).
	var mine struct {
		CreateHousehold struct {
			ID      string
			Members []struct{ ID string }
		}
	}
	e.ok(admin, `mutation($v: String!, $o: String!) { createHousehold(input: {village: $v, address: "自家路1号", members: [{name: "本地人", idNumber: $o, relation: HEAD}]}) { id members { id } } }`,
		map[string]any{"v": own, "o": ownID}, &mine)
	var ownStaff struct{ CreateStaff struct{ ID string } }
	e.ok(admin, `mutation($v: String!) { createStaff(input: {name: "本地协理员", post: VILLAGE_COORDINATOR, area: $v, from: "2024-01-01"}) { id } }`,
		map[string]any{"v": own}, &ownStaff)
	siblingCounty, ownCounty := "371403000000", tier.p.Area[:6]+"000000"
	siblingYear, ownYear := 2090+n, 2080+n
	setStd := `mutation($c: String!, $y: Int!) { setDibaoStandard(county: $c, year: $y, urban: "1500.00", rural: "1400.00") { id } }`
	var ownStd struct{ SetDibaoStandard struct{ ID string } }
	e.ok(admin, setStd, map[string]any{"c": ownCounty, "y": ownYear}, &ownStd)
	// The standard in force for the sibling's dibao grant below (P12, P18), set before
	// the caller's figures are counted, as it may be of the caller's county.
	e.ok(admin, setStd, map[string]any{"c": village[:6] + "000000", "y": 2026}, &struct{}{})
	// A failed lookup on the status page of a reference of the caller's own village, from
	// an address of this tier's own.
	ownLookup := statusLookup(t, e, fmt.Sprintf("LEAK-OWN-%d", n), fmt.Sprintf("203.0.113.%d", n), own, store.LookupMismatch)
	// The daily job's alert of that lookup's reference, in the caller's county.
	ownAlert := statusAlerts(t, e, store.StatusAlertRules{Window: 24 * time.Hour, ReferenceAddresses: 1}, 1)[0]
	if ownAlert.Digest != ownLookup.ReferenceDigest || ownAlert.AreaCode != own[:6]+"000000" {
		t.Fatalf("the alert of the caller's own lookup: %+v", ownAlert)
	}
	between()

	var made struct {
		CreateHousehold struct {
			ID      string
			Members []struct{ ID, Relation string }
		}
	}
	memberPhone := fmt.Sprintf("1390534%04d", n)
	e.ok(admin, `mutation($v: String!, $a: String!, $r: String, $h: String!, $m: String!, $hn: String!, $mn: String!, $mp: String) { createHousehold(input: {village: $v, address: $a, externalRef: $r,
	  members: [{name: $hn, idNumber: $h, relation: HEAD}, {name: $mn, idNumber: $m, relation: SPOUSE, phone: $mp}]}) { id members { id relation } } }`,
		map[string]any{"v": village, "a": address, "r": ref, "h": headID, "m": memberID, "hn": headName, "mn": memberName, "mp": memberPhone}, &made)
	h := made.CreateHousehold.ID
	var head, member string
	for _, m := range made.CreateHousehold.Members {
		if m.Relation == "HEAD" {
			head = m.ID
		} else {
			member = m.ID
		}
	}
	type grantOut struct{ ID, Reference string }
	grant := func(field, query string, vars map[string]any) grantOut {
		t.Helper()
		var out map[string]grantOut
		e.ok(admin, query, vars, &out)
		return out[field]
	}
	active := grant("createGrant", `mutation($h: ID!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: "650.00", overrideReason: "评议确定的金额", startDate: "2026-01-01"}) { id } }`,
		map[string]any{"h": h})
	submit := `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "TEMPORARY_RELIEF", channel: HOTLINE, note: "急难"}) { id reference } }`
	app := grant("submitApplication", submit, map[string]any{"h": h})
	reviewed := grant("submitApplication", submit, map[string]any{"h": h})
	grant("reviewGrant", `mutation($id: ID!) { reviewGrant(id: $id, reason: "属实") { id } }`, map[string]any{"id": reviewed.ID})
	suspended := grant("createGrant", `mutation($h: ID!) { createGrant(input: {householdId: $h, programCode: "TEMPORARY_RELIEF", amount: "300.00", startDate: "2026-01-01"}) { id } }`,
		map[string]any{"h": h})
	grant("suspendGrant", `mutation($id: ID!) { suspendGrant(id: $id, reason: "待复核") { id } }`, map[string]any{"id": suspended.ID})
	// A grievance about the sibling application, with a comment.
	grievanceNote, grievanceComment := "隐秘投诉"+stem, "隐秘批注"+stem
	var griev struct{ OpenGrievance struct{ ID string } }
	e.ok(admin, `mutation($r: String!, $s: String!) { openGrievance(input: {subject: APPLICATION, recordId: $r, category: DELAY, channel: HOTLINE, summary: $s}) { id } }`,
		map[string]any{"r": app.Reference, "s": grievanceNote}, &griev)
	e.ok(admin, `mutation($id: ID!, $c: String!) { commentGrievance(id: $id, text: $c) { id } }`, map[string]any{"id": griev.OpenGrievance.ID, "c": grievanceComment}, &struct{}{})
	// An education application, referred to the education bureau on receipt.
	var referred struct {
		SubmitApplication struct {
			ID, Reference string
			Referral      struct{ ID string }
		}
	}
	e.ok(admin, `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "EDU_COMPULSORY", channel: HOTLINE}) { id reference referral { id } } }`,
		map[string]any{"h": h}, &referred)

	// The sibling township's reserve fund, with a top-up and a draw paying the application.
	sibTownship := townshipOf(village)
	topUpNote, drawNote := "隐秘拨付"+stem, "隐秘支取"+stem
	var topUp struct{ TopUpReserve struct{ ID string } }
	e.ok(admin, `mutation($t: String!, $n: String) { topUpReserve(township: $t, amount: "5000.00", note: $n) { id } }`,
		map[string]any{"t": sibTownship, "n": topUpNote}, &topUp)
	townshipOfficer, err := e.verifier.Sign(auth.Principal{Subject: "leak-fund-officer", Role: models.RoleOfficer, Area: sibTownship}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var draw struct{ DrawReserve struct{ ID string } }
	e.ok(townshipOfficer, `mutation($g: ID!, $n: String) { drawReserve(grantId: $g, amount: "120.00", note: $n) { id } }`,
		map[string]any{"g": app.ID, "n": drawNote}, &draw)

	// Charity aid and a verification of the sibling household.
	yesterday := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
	org := "隐秘慈善会" + stem
	var aid struct{ FileCharityAid struct{ ID string } }
	e.ok(admin, `mutation($h: ID!, $o: String!, $d: Date!) { fileCharityAid(input: {householdId: $h, organisation: $o, date: $d, kind: CASH, amount: "200.00", filedInAdvance: false}) { id } }`,
		map[string]any{"h": h, "o": org, "d": yesterday}, &aid)
	dept := "隐秘核对中心" + stem
	var ver struct{ RecordVerification struct{ ID string } }
	e.ok(admin, `mutation($h: ID!, $in: VerificationInput!) { recordVerification(householdId: $h, input: $in) { id } }`,
		map[string]any{"h": h, "in": map[string]any{"sourceDepartment": dept, "checkDate": yesterday, "members": []map[string]any{
			{"memberId": head, "monthlyIncome": "310.00"}, {"memberId": member, "monthlyIncome": "0.00"}}}}, &ver)

	// A staff member of the sibling village, and one of the caller's own village.
	staffName, phone := "隐秘协理员"+stem, fmt.Sprintf("0534-777%04d", n)
	var staff struct{ CreateStaff struct{ ID string } }
	e.ok(admin, `mutation($v: String!, $n: String!, $p: String) { createStaff(input: {name: $n, post: VILLAGE_COORDINATOR, area: $v, phone: $p, from: "2024-01-01"}) { id } }`,
		map[string]any{"v": village, "n": staffName, "p": phone}, &staff)

	// A discovery case of a registered poor household of the sibling village without a
	// grant, and an open review (P24) of the sibling's dibao grant, as jobs run opens it.
	var poor struct{ CreateHousehold struct{ ID string } }
	e.ok(admin, `mutation($v: String!, $p: String!) { createHousehold(input: {village: $v, address: "待发现路1号", povertyRegistered: true, members: [{name: "待发现户主", idNumber: $p, relation: HEAD}]}) { id } }`,
		map[string]any{"v": village, "p": idnumber.Build("371428", birth, 105)}, &poor)
	var dcase struct{ OpenDiscoveryCase struct{ ID string } }
	e.ok(admin, `mutation($h: ID!) { openDiscoveryCase(input: {householdId: $h}) { id } }`, map[string]any{"h": poor.CreateHousehold.ID}, &dcase)
	reviewID, openKey := store.NewID(), active.ID
	err = e.st.Write(auth.WithPrincipal(t.Context(), store.ReviewActor), store.ScopeFor(store.ReviewActor), "open review", func(w *store.Writer) error {
		_, err := e.st.Reviews().Insert(w, &models.Review{ID: reviewID, AreaCode: village, Township: townshipOf(village), GrantID: active.ID,
			HouseholdID: h, ProgramCode: "URBAN_DIBAO", CategoryCode: catalogue.CategoryDibao, OpenKey: &openKey,
			DueOn: models.NewDate(2027, 1, 1), Status: models.ReviewOpen, AmountBefore: models.Yuan(650), Version: 1})
		w.Audit("openReview", "", []string{reviewID}, nil, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A supporting document on each record of the sibling that takes documents: the
	// application, the grievance, the review and the verification, uploaded by a
	// subject whose name is itself a secret.
	uploader := auth.Principal{Subject: "leak-uploader-" + fmt.Sprint(n), Role: models.RoleAdmin, Area: division.CityCode}
	var documentIDs []string
	for i, target := range []struct {
		rec store.DocumentRecord
		id  string
	}{{store.DocumentOfApplication, app.ID}, {store.DocumentOfGrievance, griev.OpenGrievance.ID}, {store.DocumentOfReview, reviewID}, {store.DocumentOfVerification, ver.RecordVerification.ID}} {
		d := &store.Document{Record: target.rec, RecordID: target.id, Kind: store.DocumentIDCard,
			SHA256: fmt.Sprintf("%062x%02x", n+1, i), Size: 100, ContentType: "image/png"}
		if err := e.st.Documents().Add(auth.WithPrincipal(t.Context(), uploader), store.ScopeFor(uploader), d, func(context.Context) error { return nil }); err != nil {
			t.Fatalf("attach a document to the sibling's %s: %v", target.rec, err)
		}
		documentIDs = append(documentIDs, d.ID, d.SHA256)
	}

	// Failed lookups on the status page: of the sibling's application, and of a reference
	// no application has (the city's area), from an address of the sibling's own.
	siblingAddr := fmt.Sprintf("198.51.100.%d", n)
	siblingLookup := statusLookup(t, e, app.Reference, siblingAddr, village, store.LookupMismatch)
	unknownLookup := statusLookup(t, e, fmt.Sprintf("LEAK-UNKNOWN-%d", n), siblingAddr, "", store.LookupUnknown)
	// The daily job's alerts of them: the sibling reference's in the sibling's county, the
	// unknown reference's and the sibling address's in the city's area.
	var siblingAlert, cityAlert store.StatusAlert
	var alertSecrets []string
	for _, a := range statusAlerts(t, e, store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 2, ReferenceAddresses: 1}, 3) {
		switch {
		case a.Digest == siblingLookup.ReferenceDigest && a.AreaCode == village[:6]+"000000":
			siblingAlert = a
		case a.Digest == siblingLookup.AddressDigest && a.AreaCode == division.CityCode:
			cityAlert = a
		case a.Digest != unknownLookup.ReferenceDigest || a.AreaCode != division.CityCode:
			t.Fatalf("an alert of the sibling's lookups: %+v", a)
		}
		alertSecrets = append(alertSecrets, a.ID)
	}
	if siblingAlert.ID == "" || cityAlert.ID == "" {
		t.Fatalf("the alerts of the sibling's lookups: %v", alertSecrets)
	}

	// A dibao standard of a county outside the caller's.
	var std struct{ SetDibaoStandard struct{ ID string } }
	e.ok(admin, setStd, map[string]any{"c": siblingCounty, "y": siblingYear}, &std)
	// And its entitlement parameters from the first day of that year.
	var params struct{ SetEntitlementParameters struct{ ID string } }
	e.ok(admin, `mutation($c: String!, $y: Int!, $d: Date!) { setEntitlementParameters(input: {county: $c, year: $y, effectiveFrom: $d}) { id } }`,
		map[string]any{"c": siblingCounty, "y": siblingYear, "d": fmt.Sprintf("%d-01-01", siblingYear)}, &params)

	// The sibling household's payment account, and next month's payroll of the sibling's
	// county, approved by a second admin and paid, so that the money paid shows in the
	// sibling's figures (areaStats.paidThisMonth) and must not in the caller's. Tiers
	// whose siblings share a county share its payroll (one per county and month).
	account := fmt.Sprintf("62220277%08d", n)
	var payee struct{ SetPayee struct{ HouseholdID string } }
	e.ok(admin, `mutation($h: ID!, $a: String!, $n: String!) { setPayee(input: {householdId: $h, bank: "德州银行", account: $a, holder: $n}) { householdId } }`,
		map[string]any{"h": h, "a": account, "n": headName}, &payee)
	payrollMonth := (policy.MonthOf(time.Now()) + 1).String()
	payrollVars := map[string]any{"c": village[:6] + "000000", "m": payrollMonth}
	// A payroll shared with an earlier tier is no secret of this one: that tier's
	// integrator named it in a call, which the trail of its area records.
	var payrollID string
	var payrollSecrets []string
	if r := e.do(admin, `mutation($c: String!, $m: String!) { generatePayroll(county: $c, month: $m) { id } }`, payrollVars); r.code() == httpapi.CodeConflict {
		var found struct{ PayrollOf struct{ ID string } }
		e.ok(admin, `query($c: String!, $m: String!) { payrollOf(county: $c, month: $m) { id } }`, payrollVars, &found)
		payrollID = found.PayrollOf.ID
	} else {
		var pay struct{ GeneratePayroll struct{ ID string } }
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &pay) != nil {
			t.Fatalf("generate the sibling's payroll: %s", r.raw)
		}
		payrollID = pay.GeneratePayroll.ID
		payrollSecrets = []string{payrollID}
		approver, err := e.verifier.Sign(auth.Principal{Subject: "leak-payroll-approver", Role: models.RoleAdmin, Area: division.CityCode}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var approved struct{ ApprovePayroll struct{ ID string } }
		e.ok(approver, `mutation($id: ID!) { approvePayroll(id: $id) { id } }`, map[string]any{"id": payrollID}, &approved)
		var payLines struct {
			Payroll struct {
				Lines struct {
					Edges []struct {
						Node struct{ ID, HouseholdID, Reference, Amount, Status string }
					}
				}
			}
		}
		e.ok(admin, `query($id: ID!) { payroll(id: $id) { lines(first: 100) { edges { node { id householdId reference amount status } } } } }`,
			map[string]any{"id": payrollID}, &payLines)
		for _, l := range payLines.Payroll.Lines.Edges {
			if l.Node.HouseholdID == h {
				payrollSecrets = append(payrollSecrets, l.Node.ID, l.Node.Reference)
			}
		}
		var settle []map[string]any
		for _, l := range payLines.Payroll.Lines.Edges {
			if l.Node.Status == "UNSETTLED" {
				settle = append(settle, map[string]any{"reference": l.Node.Reference, "status": "PAID", "amount": l.Node.Amount})
			}
		}
		if len(settle) == 0 {
			t.Fatalf("the sibling's payroll has nothing to pay: %+v", payLines)
		}
		var settled struct{ ImportReconciliation struct{ Paid int } }
		e.ok(approver, `mutation($id: ID!, $r: [SettlementInput!]!) { importReconciliation(payrollId: $id, records: $r) { paid } }`,
			map[string]any{"id": payrollID, "r": settle}, &settled)
	}

	pl := planted{
		vars: map[string]any{
			"payrollId": payrollID, "payrollMonth": payrollMonth,
			"hid": h, "mid": member, "headId": head, "gid": active.ID, "idNumber": memberID, "ref": ref,
			"address": address, "area": tier.sibling, "village": village, "ownHid": mine.CreateHousehold.ID,
			"ownMid": mine.CreateHousehold.Members[0].ID, "fresh": fresh,
			"cursor": base64.RawURLEncoding.EncodeToString([]byte(village + ":" + h)),
			"appId":  app.ID, "reference": app.Reference, "reviewedId": reviewed.ID, "suspendedId": suspended.ID,
			"sid": staff.CreateStaff.ID, "staffName": staffName, "phone": phone, "ownSid": ownStaff.CreateStaff.ID,
			"siblingTownship": sibTownship, "siblingCounty": siblingCounty, "siblingYear": siblingYear, "ownYear": ownYear,
			"ownVillage": own, "ownTownship": townshipOf(own), "grievanceId": griev.OpenGrievance.ID, "referralId": referred.SubmitApplication.Referral.ID,
			"caseId": dcase.OpenDiscoveryCase.ID, "reviewId": reviewID,
			"documentId": documentIDs[0], "grievanceDocumentId": documentIDs[2],
			"memberName": memberName, "memberPhone": memberPhone,
			"ownLookupId": ownLookup.ID, "ownLookupDigest": ownLookup.ReferenceDigest,
			"ownAlertId": ownAlert.ID, "ownCounty": own[:6] + "000000", "siblingAlertId": siblingAlert.ID, "cityAlertId": cityAlert.ID,
		},
		secrets: []string{h, member, head, active.ID, headID, memberID, ref, address, headName, memberName,
			app.ID, app.Reference, reviewed.ID, reviewed.Reference, suspended.ID, topUp.TopUpReserve.ID, draw.DrawReserve.ID,
			topUpNote, drawNote, aid.FileCharityAid.ID, org, ver.RecordVerification.ID, dept,
			staff.CreateStaff.ID, staffName, phone, privacy.Phone(phone), std.SetDibaoStandard.ID, params.SetEntitlementParameters.ID,
			account, griev.OpenGrievance.ID, grievanceNote, grievanceComment,
			referred.SubmitApplication.ID, referred.SubmitApplication.Reference, referred.SubmitApplication.Referral.ID,
			poor.CreateHousehold.ID, dcase.OpenDiscoveryCase.ID, reviewID, memberPhone, privacy.Phone(memberPhone),
			siblingLookup.ID, siblingLookup.ReferenceDigest, siblingLookup.AddressDigest, unknownLookup.ID, unknownLookup.ReferenceDigest},
	}
	pl.secrets = append(pl.secrets, payrollSecrets...)
	pl.secrets = append(pl.secrets, documentIDs...)
	pl.secrets = append(pl.secrets, alertSecrets...)
	pl.secrets = append(pl.secrets, uploader.Subject)
	return pl
}

// statusLookup records a lookup on the status page of reference ref from address addr
// that ended with outcome, for an application of area ("" when none has ref), as the
// page does, and returns its record.
func statusLookup(t *testing.T, e *env, ref, addr, area string, outcome store.StatusLookupOutcome) store.StatusLookup {
	t.Helper()
	if err := e.st.StatusPage().RecordStatusLookupUnscoped(t.Context(), ref, addr, area, outcome, nil); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.StatusPage().StatusLookupsUnscoped(t.Context(), ref)
	if err != nil || len(got) == 0 {
		t.Fatalf("the lookups of %s: %v %v", ref, got, err)
	}
	return got[len(got)-1]
}

// statusAlerts runs the daily job's alerts of the status page with rules, now, and
// returns the alerts it wrote, which must be want.
func statusAlerts(t *testing.T, e *env, rules store.StatusAlertRules, want int) []store.StatusAlert {
	t.Helper()
	got, err := e.st.StatusPage().AlertFailedLookupsUnscoped(t.Context(), e.st.Now(), rules)
	if err != nil || len(got) != want {
		t.Fatalf("the job wrote %d alerts (%v), want %d: %+v", len(got), err, want, got)
	}
	return got
}

// firstVillage returns the first village of area's subtree (area itself for a village).
func firstVillage(e *env, area string) string {
	e.t.Helper()
	if division.LevelOf(area) == models.LevelVillage {
		return area
	}
	vs := e.st.Tree().Within(area, models.LevelVillage)
	if len(vs) == 0 {
		e.t.Fatalf("no village in %s", area)
	}
	return vs[0].Code
}

// aggregates asks, one field a request, for every figure a caller counts over its own
// area. Fields the role may not read answer FORBIDDEN, the same way each time.
var aggregates = []string{
	`{ areaStats { households members activeHouseholds activePersons committedMonthly graceHouseholds lowIncomeHouseholds overriddenGrants paidThisMonth paidThisYear
	    byProgram { program { code } households persons committedMonthly } byCategory { category { code } households persons }
	    children { area { code } households members activeHouseholds activePersons committedMonthly paidThisMonth paidThisYear } } }`,
	`{ trends(months: 2) { months { month newApplications approvals terminations committed paid } } }`,
	`{ discoveries(first: 100) { totalCount edges { node { household { id } reasons } } } }`,
	`{ staffingReport { total { civilAffairsStaff socialWorkers villagesWithoutAssistant villagesShortOfCoordinators shortfall }
	    villagesShort { village { code } activeRecipients assistants coordinators } } }`,
	`{ households { totalCount } }`,
	`{ grants { totalCount } }`,
	`{ staff { totalCount } }`,
	`{ changes(first: 1000) { edges { node { id kind entity payrollLine { id reference month amount account status } } } } }`,
	`{ auditEvents { totalCount } }`,
	`{ statusLookups(first: 100) { totalCount edges { node { id outcome referenceDigest addressDigest } } } }`,
	`{ failedStatusLookups(by: ADDRESS, top: 100) { digest failed distinct } }`,
	`{ failedStatusLookups(by: REFERENCE, top: 100) { digest failed distinct } }`,
	`{ statusLookupAlerts(first: 100) { totalCount edges { node { id by digest area { code } failed distinct } } } }`,
}

// ownPayrollLines matches the change feed's entries of payroll lines in figures.
var ownPayrollLines = regexp.MustCompile(`,?\{"node":\{"id":"[^"]*","kind":"[A-Z]*","entity":"PAYROLL_LINE","payrollLine":(null|\{[^}]*\})\}\}`)

// requestIDs match the errors' request ids, which differ from one request to the next.
var requestIDs = regexp.MustCompile(`,"requestId":"[^"]*"`)

// figures returns the answers to aggregates with tok, without their request ids.
func figures(e *env, tok string) string {
	var b strings.Builder
	for _, q := range aggregates {
		b.WriteString(requestIDs.ReplaceAllString(e.do(tok, q, nil).raw, ""))
		b.WriteByte('\n')
	}
	return b.String()
}

// snapshot is what the city admin sees of the planted records and of the totals. The
// audit trail is counted without the calls it records of integrators (operation "query"
// or "mutation") and the lookups by ID number (lookupIdNumber) and the household searches
// by ID number or phone (searchHouseholds), which are kept on record by design, reads
// included.
func snapshot(t *testing.T, e *env, admin string, vars map[string]any) string {
	t.Helper()
	r := e.do(admin, `query($hid: ID!, $ownHid: ID!, $reference: String!, $reviewedId: ID!, $suspendedId: ID!, $sid: ID!, $ownSid: ID!,
	    $siblingTownship: String!, $siblingCounty: String) {
	  h: household(id: $hid) { address version areaCode externalRef members { id name relation monthlyIncome } grants { id status amount version reviewFlag }
	    charityAid { id organisation amount } verifications { id latest } }
	  own: household(id: $ownHid) { address version areaCode members { id } grants { id } charityAid { id } verifications { id } }
	  app: application(reference: $reference) { status version events { id } documents { id } }
	  reviewed: grant(id: $reviewedId) { status version }
	  suspended: grant(id: $suspendedId) { status version }
	  staffMember(id: $sid) { name phone areaCode until version }
	  ownStaff: staffMember(id: $ownSid) { name areaCode until version }
	  reserveFund(township: $siblingTownship) { balance entries(first: 100) { totalCount } }
	  jurisdiction(code: $siblingTownship) { population }
	  dibaoStandards(area: $siblingCounty) { id year urban rural updatedAt }
	  entitlementParameters(county: $siblingCounty) { id effectiveFrom dibaoMinPerPerson updatedAt }
	  households { totalCount } grants { totalCount } staff { totalCount } auditEvents { totalCount }
	  queries: auditEvents(filter: {operation: "query"}) { totalCount }
	  mutations: auditEvents(filter: {operation: "mutation"}) { totalCount }
	  lookups: auditEvents(filter: {operation: "lookupIdNumber"}) { totalCount }
	  searches: auditEvents(filter: {operation: "searchHouseholds"}) { totalCount } }`, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("snapshot: %s", r.raw)
	}
	var counts struct {
		AuditEvents, Queries, Mutations, Lookups, Searches struct{ TotalCount int }
	}
	if err := json.Unmarshal(r.Data, &counts); err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	delete(data, "auditEvents")
	delete(data, "queries")
	delete(data, "mutations")
	delete(data, "lookups")
	delete(data, "searches")
	out, _ := json.Marshal(data)
	return fmt.Sprintf("%s audit events (integrators' calls, lookups and searches by ID number aside): %d", out,
		counts.AuditEvents.TotalCount-counts.Queries.TotalCount-counts.Mutations.TotalCount-counts.Lookups.TotalCount-counts.Searches.TotalCount)
}

// schemaFields lists "Query.x" and "Mutation.y" for every root field, by introspection.
func schemaFields(t *testing.T, e *env, tok string) []string {
	t.Helper()
	var s struct {
		Schema struct {
			QueryType, MutationType struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	e.ok(tok, `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`, nil, &s)
	var out []string
	for _, f := range s.Schema.QueryType.Fields {
		out = append(out, "Query."+f.Name)
	}
	for _, f := range s.Schema.MutationType.Fields {
		out = append(out, "Mutation."+f.Name)
	}
	sort.Strings(out)
	return out
}

// backwardFields lists "Query.x" for every root field that takes a before argument (a
// connection read backward), by introspection.
func backwardFields(t *testing.T, e *env, tok string) []string {
	t.Helper()
	var s struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
					Args []struct{ Name string }
				}
			}
		} `json:"__schema"`
	}
	e.ok(tok, `{ __schema { queryType { fields { name args { name } } } } }`, nil, &s)
	var out []string
	for _, f := range s.Schema.QueryType.Fields {
		for _, a := range f.Args {
			if a.Name == "before" {
				out = append(out, "Query."+f.Name)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no root field takes before; households at least should")
	}
	return out
}

// empty reports whether every list in v is empty and every totalCount is 0.
func empty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "totalCount" && c != float64(0) {
				return false
			}
			if !empty(c) {
				return false
			}
		}
	case []any:
		return len(x) == 0
	}
	return true
}

// TestScopeLeakMatrix calls every Query and Mutation field, found by introspection, with
// a token of every tier and arguments that point into a sibling subtree, and checks
// that nothing of the sibling subtree shows in any answer (data or error message), that
// each call ends as its case expects, and that nothing changed. It runs on SQLite, on
// PostgreSQL, and on PostgreSQL with row-level security, where every answer must be the
// same.
//
// It runs twice: with compiled reads (package sqlread answers the queries it can compile
// with one statement, on PostgreSQL) and with the executor alone (COMPILED_READS=off).
func TestScopeLeakMatrix(t *testing.T) {
	eachReadMode(t, storetest.EachWithRLS, func(t *testing.T, st *store.Store, compiled bool, opts func(*httpapi.Options), reads *sqlread.Reader) {
		scopeLeakMatrix(t, st, func(o *httpapi.Options) {
			opts(o)
			o.Introspection = true
		})
		answeredCompiled(t, compiled, reads, "query of the matrix")
	})
}

// scopeLeakMatrix is TestScopeLeakMatrix on st, with the server's options set by opts.
func scopeLeakMatrix(t *testing.T, st *store.Store, opts func(*httpapi.Options)) {
	e := startWith(t, st, 60, opts)
	admin := e.token(models.RoleAdmin, division.CityCode)
	fields := schemaFields(t, e, admin)
	var missing []string
	for _, f := range fields {
		if len(leakCases[f]) == 0 {
			missing = append(missing, f)
		}
	}
	for _, f := range missing {
		t.Errorf("no scope-leak case for %s", f)
	}
	for name := range leakCases {
		if !slices.Contains(fields, name) {
			t.Errorf("scope-leak case for %s, which the schema does not have", name)
		}
	}
	for _, f := range backwardFields(t, e, admin) {
		if !slices.ContainsFunc(leakCases[f], func(c leakCase) bool { return strings.Contains(c.query, "before:") }) {
			t.Errorf("%s reads backward but no scope-leak case passes it before", f)
		}
	}
	village := seed.DemoVillage(st.Tree())
	siblingVillage := st.Tree().Within(seed.DemoTownship, models.LevelVillage)[1].Code
	tiers := []leakTier{
		{"county officer", auth.Principal{Role: models.RoleOfficer, Area: seed.DemoCounty}, "371403000000"},
		{"township officer", auth.Principal{Role: models.RoleOfficer, Area: seed.DemoTownship}, "371402002000"},
		{"township admin", auth.Principal{Role: models.RoleAdmin, Area: seed.DemoTownship}, "371402002000"},
		{"village assistant", auth.Principal{Role: models.RoleAssistant, Area: village}, siblingVillage},
		{"county integrator", auth.Principal{Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{catalogue.CategoryDibao, catalogue.CategoryTemporary}}, "371403000000"},
		{"county auditor", auth.Principal{Role: models.RoleAuditor, Area: seed.DemoCounty}, "371403000000"},
		{"county education bureau", auth.Principal{Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{"EDUCATION"}, Department: models.DeptEducation}, "371403000000"},
	}
	for n, tier := range tiers {
		t.Run(tier.name, func(t *testing.T) {
			tier.p.Subject = "leak-" + strings.ReplaceAll(tier.name, " ", "-")
			tok, err := e.verifier.Sign(tier.p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			// What the caller counts must not move when only the sibling subtree changes.
			var counted string
			pl := plant(t, e, admin, tier, n, func() { counted = figures(e, tok) })
			// A county's payroll also writes lines of the caller's own households (failed, for
			// want of an account) when the sibling shares the county: those entries of the
			// change feed are the caller's own and are set aside; the sibling's lines are
			// secrets, which no answer may hold.
			if now := figures(e, tok); ownPayrollLines.ReplaceAllString(now, "") != ownPayrollLines.ReplaceAllString(counted, "") {
				was, is := strings.Split(ownPayrollLines.ReplaceAllString(counted, ""), "\n"), strings.Split(ownPayrollLines.ReplaceAllString(now, ""), "\n")
				for i := range min(len(was), len(is)) {
					if was[i] != is[i] {
						t.Errorf("the caller's figures moved with the sibling subtree (%.80s):\nbefore %.3000s\nafter  %.3000s", aggregates[i], was[i], is[i])
					}
				}
			}
			before := snapshot(t, e, admin, pl.vars)
			for _, field := range fields {
				for i, c := range leakCases[field] {
					want := c.want
					if c.action != 0 && !tier.p.May(c.action) {
						want = models.ErrForbidden.Error()
					} else if w, ok := c.byTier[tier.name]; ok {
						want = w
					}
					r := e.do(tok, c.query, pl.vars)
					for _, s := range pl.secrets {
						if strings.Contains(r.raw, s) {
							t.Errorf("%s case %d leaks %q: %.400s", field, i, s, r.raw)
						}
					}
					switch want {
					case expectOK, expectEmpty:
						if len(r.Errors) > 0 {
							t.Errorf("%s case %d: want %s, got %s", field, i, want, r.raw)
							continue
						}
						var data any
						_ = json.Unmarshal(r.Data, &data)
						if want == expectEmpty && !empty(data) {
							t.Errorf("%s case %d: want an empty answer, got %.400s", field, i, r.raw)
						}
						for _, w := range c.wantIn {
							if strings.HasPrefix(w, "$") {
								w = fmt.Sprint(pl.vars[w[1:]])
							}
							if !strings.Contains(r.raw, w) {
								t.Errorf("%s case %d: want %s in the answer, got %.400s", field, i, w, r.raw)
							}
						}
					default:
						if r.code() != wantCodes[want] {
							t.Errorf("%s case %d: want %s, got %.400s", field, i, wantCodes[want], r.raw)
						}
					}
				}
			}
			if after := snapshot(t, e, admin, pl.vars); after != before {
				t.Errorf("something changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// personalField matches the names of fields that hold personal numbers or a birth date
// (which with the region leaves at most 1,000 ID numbers), which must be masked or null
// unless revealed.
var personalField = regexp.MustCompile(`(?i)(idnumber|idcard|phone|mobile|telephone|birthdate|birthday|dateofbirth)`)

// TestPersonalNumbersNeedReveal finds, by introspection, every output field whose name
// says it holds an ID or phone number, and requires it to take a reveal argument (and so
// a resolver that masks): a new field such as Member.phone cannot ship showing numbers
// in full. Query arguments (memberByIdNumber) are inputs and exempt.
func TestPersonalNumbersNeedReveal(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := startWith(t, st, 0, func(o *httpapi.Options) { o.Introspection = true })
	var s struct {
		Schema struct {
			Types []struct {
				Name, Kind string
				Fields     []struct {
					Name string
					Args []struct{ Name string }
					Type struct {
						Name, Kind string
						OfType     *struct{ Name string }
					}
				}
			}
		} `json:"__schema"`
	}
	e.ok(e.token(models.RoleAdmin, division.CityCode), `{ __schema { types { name kind fields { name args { name } type { name kind ofType { name } } } } } }`, nil, &s)
	checked := 0
	for _, ty := range s.Schema.Types {
		if ty.Kind != "OBJECT" || strings.HasPrefix(ty.Name, "__") || ty.Name == "Query" || ty.Name == "Mutation" {
			continue
		}
		for _, f := range ty.Fields {
			if !personalField.MatchString(f.Name) {
				continue
			}
			checked++
			if !slices.ContainsFunc(f.Args, func(a struct{ Name string }) bool { return a.Name == "reveal" }) {
				t.Errorf("%s.%s holds personal numbers but takes no reveal argument: mask it by default", ty.Name, f.Name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no personal-number field found; Member.idNumber at least should be")
	}
}

// categoryProbes are the calls that the category tier of TestCategoryLeakMatrix makes of
// the Mutation fields an integrator may call, against its own records: each is refused
// or a dry run, so that it changes nothing, and its answer must not depend on grants of
// categories the integrator does not see. A Mutation field that an integrator may call
// without an entry here fails the test. The variables are those of categoryVars.
var categoryProbes = map[string][]string{
	// A referral is handled by a department's integrator only; these have no department.
	"Mutation.acceptReferral": {`mutation($gid: ID!) { acceptReferral(id: $gid) { id } }`},
	"Mutation.decideReferral": {`mutation($gid: ID!) { decideReferral(id: $gid, input: {decision: REJECT, reason: "探测"}) { id } }`},
	"Mutation.returnReferral": {`mutation($gid: ID!) { returnReferral(id: $gid, reason: "探测") { id } }`},
	// The payroll's writes are refused to integrators before any record is read.
	"Mutation.setPayee":                     {`mutation($hid: ID!) { setPayee(input: {householdId: $hid, bank: "探测银行", account: "6222000000000001", holder: "探测"}) { account } }`},
	"Mutation.generatePayroll":              {`mutation { generatePayroll(county: "371402000000", month: "2026-01") { id } }`},
	"Mutation.generateSupplementaryPayroll": {`mutation { generateSupplementaryPayroll(county: "371402000000", month: "2026-01") { id } }`},
	"Mutation.approvePayroll":               {`mutation($gid: ID!) { approvePayroll(id: $gid) { id } }`},
	"Mutation.discardPayroll":               {`mutation($gid: ID!) { discardPayroll(id: $gid) { id } }`},
	"Mutation.importReconciliation":         {`mutation($gid: ID!) { importReconciliation(payrollId: $gid, records: []) { paid } }`},
	// The child's number is taken: CONFLICT, whatever the person's grants.
	"Mutation.createHousehold": {`mutation($ownVillage: String!, $idNumber: String!) { createHousehold(input: {village: $ownVillage, address: "探测路1号",
	  members: [{name: "探测", idNumber: $idNumber, relation: HEAD}]}) { id } }`},
	"Mutation.addMember":       {`mutation($hid: ID!, $idNumber: String!) { addMember(householdId: $hid, input: {name: "探测", idNumber: $idNumber, relation: OTHER}) { id } }`},
	"Mutation.updateHousehold": {`mutation($hid: ID!) { updateHousehold(id: $hid, input: {village: "371499999999"}) { id } }`},
	"Mutation.updateMember":    {`mutation($mid: ID!) { updateMember(id: $mid, input: {disabilityLevel: 9}) { id } }`},
	// Entitlement parameters are set by the city or the county, never by an integrator.
	"Mutation.setEntitlementParameters": {`mutation { setEntitlementParameters(input: {county: "371402000000", year: 2026, effectiveFrom: "2026-01-01"}) { id } }`},
	"Mutation.setHouseholdHead":         {`mutation($hid: ID!, $mid: ID!) { setHouseholdHead(householdId: $hid, memberId: $mid, formerHeadRelation: HEAD) { id } }`},
	// Leaving the child out (a member named on a grant of another category, once planted)
	// and sending the household as it is, as dry runs.
	"Mutation.importHouseholds": {
		`mutation($ref: String!, $ownVillage: String!, $address: String!, $headNumber: String!, $headName: String!) { importHouseholds(dryRun: true, records: [{externalRef: $ref,
		  village: $ownVillage, address: $address, povertyRegistered: true, members: [{name: $headName, idNumber: $headNumber, relation: HEAD}]}]) {
		  committed created updated unchanged rejected results { outcome } errors { field code reason } } }`,
		`mutation($ref: String!, $ownVillage: String!, $address: String!, $headNumber: String!, $headName: String!, $idNumber: String!, $memberName: String!) {
		  importHouseholds(dryRun: true, records: [{externalRef: $ref, village: $ownVillage, address: $address, povertyRegistered: true,
		  members: [{name: $headName, idNumber: $headNumber, relation: HEAD}, {name: $memberName, idNumber: $idNumber, relation: CHILD, disabilityLevel: 1}]}]) {
		  committed created updated unchanged rejected results { outcome } errors { field code reason } } }`,
	},
	"Mutation.importVerifications": {`mutation($idNumber: String!, $headNumber: String!) { importVerifications(dryRun: true, records: [
	  {idNumber: $headNumber, source: "TAX", checkDate: "2026-01-05", monthlyIncome: "9000.00"},
	  {idNumber: $idNumber, source: "TAX", checkDate: "2026-01-05", monthlyIncome: "0.00"}]) {
	  committed created updated unchanged rejected results { outcome } errors { field code reason } } }`},
}

// categoryReads are reads of every value derived from grants, made by the category tier
// besides the leak cases: they must not move either.
var categoryReads = []string{
	`query($hid: ID!) { household(id: $hid) { version updatedAt perCapitaIncome belowStandard lowIncome grade expenditurePoverty severeDisability careEligible
	  members { updatedAt age labourCapacity careEligible careReasons } grants { id } } }`,
	`{ households(first: 100, filter: {careEligible: true}) { totalCount edges { node { id } } } }`,
	`{ households(first: 100, filter: {careEligible: false}) { totalCount edges { node { id } } } }`,
	`{ households(first: 100, filter: {lowIncome: true}) { totalCount edges { node { id } } } }`,
	`{ households(first: 100, filter: {lowIncome: false}) { totalCount } }`,
}

// TestCategoryLeakMatrix is the scope-leak matrix with integrators of a single category
// as the tier, run against records of other categories in the same area: a household
// of the integrator's own area, registered poor and verified as low-income, with an
// elderly head who cannot care for himself and a severely disabled child. Every Query
// field (by the cases of leakCases, pointed at that household, and the reads of
// categoryReads), every Mutation field (refused by role, or by the probes of
// categoryProbes) and every aggregate the integrator counts is called before and after grants
// of other categories are opened for the household (rural dibao or 特困, education or
// housing naming the child, a temporary-assistance application), and the answers, data
// and error messages alike, must not change: no derived value (lowIncome, careReasons,
// careEligible, discoveries, lowIncomeHouseholds), refusal (removeMember, an import
// leaving the child out) or change-feed entry may tell of those grants. Asked by id or
// reference, the grants of other categories must answer exactly as grants that do not
// exist.
func TestCategoryLeakMatrix(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		e := startWith(t, st, 0, func(o *httpapi.Options) { o.Introspection = true })
		admin := e.token(models.RoleAdmin, division.CityCode)
		fields := schemaFields(t, e, admin)
		var village string
		for _, v := range st.Tree().Within(seed.DemoCounty, models.LevelVillage) {
			if !v.Urban {
				village = v.Code
				break
			}
		}
		// The county's dibao standard of this year, so that low income is decided.
		var std struct{ SetDibaoStandard struct{ ID string } }
		e.ok(admin, `mutation($c: String!, $y: Int!) { setDibaoStandard(county: $c, year: $y, urban: "1000.00", rural: "900.00") { id } }`,
			map[string]any{"c": seed.DemoCounty, "y": time.Now().Year()}, &std)

		for n, category := range []string{catalogue.CategoryMedical, "DISASTER", "EDUCATION", catalogue.CategoryDibao} {
			t.Run(category, func(t *testing.T) {
				p := auth.Principal{Subject: "category-leak-" + category, Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{category}}
				tok, err := e.verifier.Sign(p, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				vars := plantCategoryHousehold(t, e, admin, village, n)
				fake := map[string]any{"gid": "01900000-0000-7000-8000-000000000001", "appId": "01900000-0000-7000-8000-000000000002",
					"reviewedId": "01900000-0000-7000-8000-000000000003", "suspendedId": "01900000-0000-7000-8000-000000000004",
					"reference": policy.ApplicationReference("371402", 2026, 999999)}
				calls := func(grantVars map[string]any) map[string]string {
					vs := maps.Clone(vars)
					maps.Copy(vs, grantVars)
					out := map[string]string{"figures": figures(e, tok)}
					for i, q := range categoryReads {
						out[fmt.Sprintf("derived values, read %d", i)] = requestIDs.ReplaceAllString(e.do(tok, q, vs).raw, "")
					}
					for _, field := range fields {
						var queries []string
						switch {
						case strings.HasPrefix(field, "Query."):
							for _, c := range leakCases[field] {
								queries = append(queries, c.query)
							}
						case len(categoryProbes[field]) > 0:
							queries = categoryProbes[field]
						default:
							// A Mutation the integrator's role may not make: refused before any
							// record is read.
							for _, c := range leakCases[field] {
								if c.action == 0 || p.May(c.action) {
									t.Errorf("%s: an integrator may call it; add a probe to categoryProbes", field)
								}
								queries = append(queries, c.query)
							}
						}
						for i, q := range queries {
							out[fmt.Sprintf("%s case %d", field, i)] = requestIDs.ReplaceAllString(e.do(tok, q, vs).raw, "")
						}
					}
					return out
				}
				before := calls(fake)
				foreign := plantForeignGrants(t, e, admin, vars, category)
				after := calls(fake)
				asked := calls(foreign.vars)
				for _, k := range slices.Sorted(maps.Keys(before)) {
					if after[k] != before[k] {
						t.Errorf("%s moved with grants of other categories:\nbefore %.1500s\nafter  %.1500s", k, before[k], after[k])
					}
					if asked[k] != before[k] {
						t.Errorf("%s: grants of other categories, asked for, answer otherwise than grants that do not exist:\nnone    %.1500s\nforeign %.1500s", k, before[k], asked[k])
					}
					for _, s := range foreign.secrets {
						if strings.Contains(asked[k], s) || strings.Contains(after[k], s) {
							t.Errorf("%s shows %q, of a grant of another category", k, s)
						}
					}
				}
				// The household, as the integrator reads it now: the values derived from grants
				// are those of its own categories.
				var h struct {
					Household struct {
						LowIncome    *bool
						CareEligible bool
						Members      []struct {
							Relation    string
							CareReasons []string
						}
					}
				}
				e.ok(tok, `query($hid: ID!) { household(id: $hid) { lowIncome careEligible members { relation careReasons } } }`, vars, &h)
				if h.Household.LowIncome != nil || !h.Household.CareEligible {
					t.Errorf("%s integrator reads lowIncome (set: %v), careEligible %v", category, h.Household.LowIncome != nil, h.Household.CareEligible)
				}
				for _, m := range h.Household.Members {
					if slices.Contains(m.CareReasons, string(models.CareRuralDibao)) || len(m.CareReasons) != 1 {
						t.Errorf("%s integrator reads care reasons %v of the %s", category, m.CareReasons, m.Relation)
					}
				}
				// The city admin sees what the integrator does not: the derived values moved.
				var full struct {
					Household struct {
						LowIncome *bool
						Members   []struct{ CareReasons []string }
					}
				}
				e.ok(admin, `query($hid: ID!) { household(id: $hid) { lowIncome members { careReasons } } }`, vars, &full)
				if category != catalogue.CategoryDibao && (full.Household.LowIncome == nil || *full.Household.LowIncome ||
					!slices.Contains(full.Household.Members[0].CareReasons, string(models.CareRuralDibao))) {
					t.Errorf("the fixture does not exercise the derived values: %+v", full)
				}
			})
		}
	})
}

// foreignGrants are the grants of other categories planted for the category tier: the
// leak cases' grant variables pointed at them, and their ids and references.
type foreignGrants struct {
	vars    map[string]any
	secrets []string
}

// plantCategoryHousehold registers, as the city admin, the household of the category
// tier in village (rural, of the tier's county) and verifies its income as low, and
// returns the variables of the leak cases and probes pointed at it: its ids, numbers and
// names, and for the leak cases' other variables values of its own area.
func plantCategoryHousehold(t *testing.T, e *env, admin, village string, n int) map[string]any {
	t.Helper()
	year := time.Now().Year()
	headNumber := idnumber.Build("371402", time.Date(year-80, 3, 1, 0, 0, 0, 0, time.UTC), 301+2*n)
	childNumber := idnumber.Build("371402", time.Date(year-12, 5, 1, 0, 0, 0, 0, time.UTC), 400+2*n)
	fresh := idnumber.Build("371402", time.Date(year-30, 7, 1, 0, 0, 0, 0, time.UTC), 500+2*n)
	ref, address := fmt.Sprintf("CAT-REF-%d", n), fmt.Sprintf("分类检查路%d号", n)
	headName, memberName := "分类户主"+fmt.Sprint(n), "分类成员"+fmt.Sprint(n)
	var made struct {
		CreateHousehold struct {
			ID      string
			Members []struct{ ID, Relation string }
		}
	}
	e.ok(admin, `mutation($v: String!, $a: String!, $r: String, $h: String!, $m: String!, $hn: String!, $mn: String!) { createHousehold(input: {village: $v, address: $a,
	  externalRef: $r, povertyRegistered: true, members: [{name: $hn, idNumber: $h, relation: HEAD}, {name: $mn, idNumber: $m, relation: CHILD, disabilityLevel: 1}]}) {
	  id members { id relation } } }`,
		map[string]any{"v": village, "a": address, "r": ref, "h": headNumber, "m": childNumber, "hn": headName, "mn": memberName}, &made)
	h := made.CreateHousehold.ID
	var head, child string
	for _, m := range made.CreateHousehold.Members {
		if m.Relation == "HEAD" {
			head = m.ID
		} else {
			child = m.ID
		}
	}
	// 1,100.00 a month for two: 550.00 each, under the rural standard of 900.00 and so
	// within the low-income line (P17); the head cannot care for himself (P14).
	yesterday := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
	var ver struct{ RecordVerification struct{ ID string } }
	e.ok(admin, `mutation($h: ID!, $d: Date!, $head: ID, $child: ID) { recordVerification(householdId: $h, input: {sourceDepartment: "民政", checkDate: $d,
	  members: [{memberId: $head, monthlyIncome: "1100.00", selfCareLost: true}, {memberId: $child, monthlyIncome: "0.00"}]}) { id } }`,
		map[string]any{"h": h, "d": yesterday, "head": head, "child": child}, &ver)
	return map[string]any{
		"hid": h, "mid": child, "headId": head, "idNumber": childNumber, "headNumber": headNumber, "ref": ref, "address": address,
		"headName": headName, "memberName": memberName, "area": seed.DemoCounty, "village": village,
		"siblingTownship": townshipOf(village), "siblingCounty": "371403000000", "siblingYear": 2099, "ownYear": 2098,
		"cursor": base64.RawURLEncoding.EncodeToString([]byte(village + ":" + h)), "ownHid": h, "ownMid": head,
		"sid": "01900000-0000-7000-8000-000000000005", "ownSid": "01900000-0000-7000-8000-000000000006",
		"staffName": "无此人", "phone": "13800000000", "ownVillage": village, "ownTownship": townshipOf(village), "fresh": fresh,
	}
}

// plantForeignGrants opens, as the city admin, grants of categories other than the
// tier's for the household of vars: rural dibao (特困 for the DIBAO tier) for the
// household, an education grant (housing for the EDUCATION tier) naming the child, and a
// temporary-assistance application, reviewed. It returns the grant variables of the leak
// cases pointed at them, and their ids and references as secrets.
func plantForeignGrants(t *testing.T, e *env, admin string, vars map[string]any, category string) foreignGrants {
	t.Helper()
	open := func(program string, member any) string {
		t.Helper()
		var out struct{ CreateGrant struct{ ID string } }
		var selfCare any // 特困 support needs the person's self-care ability (P19)
		if strings.HasPrefix(program, "TEKUN") {
			selfCare = "FULL"
		}
		e.ok(admin, `mutation($h: ID!, $m: ID, $p: String!, $s: SelfCare) { createGrant(input: {householdId: $h, memberId: $m, programCode: $p, amount: "300.00", overrideReason: "评议确定的金额", startDate: "2026-01-01", selfCare: $s}) { id } }`,
			map[string]any{"h": vars["hid"], "m": member, "p": program, "s": selfCare}, &out)
		return out.CreateGrant.ID
	}
	var household string
	if category == catalogue.CategoryDibao {
		household = open("TEKUN_DISPERSED", vars["headId"])
	} else {
		household = open(catalogue.ProgramRuralDibao, nil)
	}
	named := "EDU_COMPULSORY"
	if category == "EDUCATION" {
		named = "HOUSING_RENOVATION"
	}
	child := open(named, vars["mid"])
	submit := `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "TEMPORARY_RELIEF", channel: WALK_IN, note: "急难"}) { id reference } }`
	var app, reviewed struct {
		SubmitApplication struct{ ID, Reference string }
	}
	e.ok(admin, submit, map[string]any{"h": vars["hid"]}, &app)
	e.ok(admin, submit, map[string]any{"h": vars["hid"]}, &reviewed)
	e.ok(admin, `mutation($id: ID!) { reviewGrant(id: $id, reason: "属实") { id } }`, map[string]any{"id": reviewed.SubmitApplication.ID}, &struct{}{})
	return foreignGrants{
		vars: map[string]any{"gid": household, "appId": app.SubmitApplication.ID, "reviewedId": reviewed.SubmitApplication.ID,
			"suspendedId": child, "reference": app.SubmitApplication.Reference},
		secrets: []string{household, child, app.SubmitApplication.ID, app.SubmitApplication.Reference,
			reviewed.SubmitApplication.ID, reviewed.SubmitApplication.Reference},
	}
}
