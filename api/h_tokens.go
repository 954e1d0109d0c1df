package api

import (
	"github.com/gofiber/fiber/v2"
)

func (s *Server) listOwnTokens(c *fiber.Ctx) error {
	toks, err := s.listTokens(principalOf(c).Account)
	if err != nil {
		return err
	}
	if toks == nil {
		toks = []apiToken{}
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
