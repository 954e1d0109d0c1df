package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) listOwnTokens(c *fiber.Ctx) error {
	toks, err := s.listTokens(principalOf(c).Account)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": toks})
}

type tokenRequest struct {
	Name string `json:"name"`
}

type tokenCreated struct {
	Token apiToken `json:"token"`
	// Secret is the bearer token itself, shown only in this response.
	Secret string `json:"secret"`
}

func (s *Server) createOwnToken(c *fiber.Ctx) error {
	p := principalOf(c)
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	secret, tok, err := s.createToken(p.Account, req.Name)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, p, "token.create", tok.ID, map[string]string{"name": tok.Name}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(tokenCreated{Token: tok, Secret: secret})
}

func (s *Server) deleteOwnToken(c *fiber.Ctx) error {
	p := principalOf(c)
	id := c.Params("id")
	n, err := s.deleteTokens(p.Account, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotFound("token")
	}
	if err := s.audit.record(c, p, "token.delete", id, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listAccountTokens lets an admin see another account's tokens (never
// their secrets, which are not stored).
func (s *Server) listAccountTokens(c *fiber.Ctx) error {
	name := c.Params("name")
	toks, err := s.listTokens(name)
	if err != nil {
		return accountError(err)
	}
	if err := s.audit.record(c, principalOf(c), "account.tokens.view", name, nil); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": toks})
}

// deleteAccountToken revokes one of another account's tokens.
func (s *Server) deleteAccountToken(c *fiber.Ctx) error {
	name, id := c.Params("name"), c.Params("id")
	n, err := s.deleteTokens(name, id)
	if err != nil {
		return accountError(err)
	}
	if n == 0 {
		return errNotFound("token")
	}
	if err := s.audit.record(c, principalOf(c), "account.token.delete", name, map[string]string{"token": id}); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deleteAccountTokens revokes all of another account's tokens, e.g. when
// one may have leaked and the password is not in doubt.
func (s *Server) deleteAccountTokens(c *fiber.Ctx) error {
	name := c.Params("name")
	n, err := s.deleteTokens(name, "")
	if err != nil {
		return accountError(err)
	}
	if err := s.audit.record(c, principalOf(c), "account.tokens.delete", name, map[string]string{"revoked": strconv.Itoa(n)}); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"revoked": n})
}
