package api

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) listAccounts(c *fiber.Ctx) error {
	all, err := s.accounts.List()
	if err != nil {
		return err
	}
	if all == nil {
		all = []AccountInfo{}
	}
	return c.JSON(fiber.Map{"accounts": all})
}

type accountRequest struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Password string `json:"password,omitempty"` // empty: generate one
}

type accountCreated struct {
	Account AccountInfo `json:"account"`
	// Password is set only when the server generated it; it is shown
	// once and not stored in clear.
	Password string `json:"password,omitempty"`
}

func (s *Server) createAccount(c *fiber.Ctx) error {
	var req accountRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	password, generated := req.Password, ""
	if password == "" {
		var err error
		if generated, err = GeneratePassword(); err != nil {
			return err
		}
		password = generated
	}
	if err := s.accounts.Create(req.Name, req.Role, password); errors.Is(err, ErrBusy) {
		return busy(c)
	} else if err != nil {
		return accountError(err)
	}
	acct, err := s.accounts.Get(req.Name)
	if err != nil {
		return err
	}
	if err := s.audit.record(c, principalOf(c), "account.create", req.Name, map[string]string{"role": string(req.Role)}); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(accountCreated{Account: acct.Info(), Password: generated})
}

type accountUpdate struct {
	Role     *Role   `json:"role,omitempty"`
	Password *string `json:"password,omitempty"`
}

func (s *Server) updateAccount(c *fiber.Ctx) error {
	name := c.Params("name")
	var req accountUpdate
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Role == nil && req.Password == nil {
		return errBadRequest(`give "role", "password" or both`)
	}
	// Refuse bad input before changing anything, so a request is not
	// half applied for a reason known in advance.
	if req.Role != nil && !req.Role.valid() {
		return accountError(ErrBadRole)
	}
	if req.Password != nil && len(*req.Password) < MinPasswordLen {
		return accountError(ErrWeakPassword)
	}
	if _, err := s.accounts.Get(name); err != nil {
		return accountError(err)
	}
	detail := map[string]string{}
	err := s.applyAccountUpdate(name, req, detail)
	// Whatever was changed is audited, even if a later part failed.
	if len(detail) > 0 {
		if aerr := s.audit.record(c, principalOf(c), "account.update", name, detail); aerr != nil {
			return aerr
		}
	}
	if errors.Is(err, ErrBusy) {
		return busy(c)
	}
	if err != nil {
		return accountError(err)
	}
	acct, err := s.accounts.Get(name)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"account": acct.Info()})
}

// applyAccountUpdate changes the password first (the step that can be
// refused as busy, before anything changed), then the role, noting each
// change made in detail.
func (s *Server) applyAccountUpdate(name string, req accountUpdate, detail map[string]string) error {
	if req.Password != nil {
		// A reset always revokes the account's API tokens: it is how an
		// admin locks out whoever holds a stolen credential.
		revoked, err := s.accounts.SetPassword(name, *req.Password, false)
		if err != nil {
			return err
		}
		detail["password"] = "changed"
		detail["tokens_revoked"] = strconv.Itoa(revoked)
	}
	if req.Role != nil {
		if err := s.accounts.SetRole(name, *req.Role); err != nil {
			return err
		}
		detail["role"] = string(*req.Role)
	}
	return nil
}

func (s *Server) deleteAccount(c *fiber.Ctx) error {
	name := c.Params("name")
	// Delete also removes the account's sessions and API tokens.
	if err := s.accounts.Delete(name); err != nil {
		return accountError(err)
	}
	if err := s.audit.record(c, principalOf(c), "account.delete", name, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
