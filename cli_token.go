package main

import (
	"crypto"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"jiuzhu/auth"
	"jiuzhu/models"
)

// roles are the roles a token may name, for the help and shell completion.
var roles = []string{string(models.RoleAdmin), string(models.RoleOfficer), string(models.RoleAssistant),
	string(models.RoleIntegrator), string(models.RoleAuditor)}

func (c *cli) tokenCommand() *cobra.Command {
	var role, area, sub, name, cats, dept, keyFile, kid string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token --role ROLE --area CODE",
		Short: "Print a signed token for a role and an area",
		Long: `Print a token signed with JWT_SECRET (HS256), or with a private key (--key, --kid), for
a role and the 12-digit code of the jurisdiction it serves. The caller sees that area's
subtree and nothing else.`,
		Example: `  jiuzhu token --role officer --area 371402000000
  jiuzhu token --role integrator --area 371402000000 --categories MEDICAL --sub health-bureau --ttl 8h
  jiuzhu token --role integrator --area 371402000000 --categories EDUCATION --department EDUCATION --sub edu-bureau
  jiuzhu token --role auditor --area 371400000000 --key private.pem --kid 2026a`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := c.config(cmd)
			var signer crypto.Signer
			if keyFile != "" {
				if kid == "" {
					return errUsage("--kid is required with --key")
				}
				b, err := os.ReadFile(keyFile)
				if err != nil {
					return err
				}
				if signer, err = auth.ParsePrivateKeyPEM(b); err != nil {
					return fmt.Errorf("--key %s: %w", keyFile, err)
				}
			}
			v, _, err := newVerifier(cfg)
			if err != nil {
				return err
			}
			if ttl == 0 {
				ttl = v.MaxLifetime()
			}
			p := auth.Principal{Subject: sub, Name: name, Role: models.Role(strings.ToLower(role)), Area: area}
			if p.Subject == "" {
				p.Subject = role + "@" + area
			}
			p.Department = models.Department(strings.ToUpper(dept))
			if cats != "" {
				p.Categories = strings.Split(cats, ",")
			}
			var tok string
			if signer != nil {
				tok, err = v.SignWithKey(p, ttl, kid, signer)
			} else {
				tok, err = v.Sign(p, ttl)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(c.out, tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", strings.Join(roles, ", "))
	f.StringVar(&area, "area", "", "12-digit jurisdiction code")
	f.DurationVar(&ttl, "ttl", 0, "lifetime of the token, at most JWT_MAX_TTL (default: JWT_MAX_TTL, 24h when unset)")
	f.StringVar(&sub, "sub", "", "subject (default ROLE@AREA)")
	f.StringVar(&name, "name", "", "display name")
	f.StringVar(&cats, "categories", "", "comma-separated program categories, for integrators")
	f.StringVar(&dept, "department", "", "for a department's integrator, the department whose referrals it handles (EDUCATION, HOUSING, HEALTH, HUMAN_RESOURCES, DISABLED_PERSONS_FEDERATION)")
	f.StringVar(&keyFile, "key", "", "sign with this PEM private key (RS256, ES256 or EdDSA) instead of JWT_SECRET")
	f.StringVar(&kid, "kid", "", "key id written in the header of a token signed with --key")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.MarkFlagRequired("area")
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions(roles, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagFilename("key", "pem")
	return cmd
}
