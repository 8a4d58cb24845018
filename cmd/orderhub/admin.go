package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"orderhub/internal/auth"
	"orderhub/internal/server"
	"orderhub/internal/service"
)

func adminUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub admin create <username> [--password-file FILE]
  orderhub admin passwd <username> [--password-file FILE]
  orderhub admin list [--output table|json]
  orderhub admin remove <username>

Dashboard logins (/ui/). The password is the first line of FILE ("-" reads
standard input), or $ORDERHUB_ADMIN_PASSWORD; with neither, a random one is
made and printed once. It must be at least 12 characters; only a PBKDF2
hash is stored. passwd and remove end the admin's sessions at once, on
every node. Storage flags (--data, --database-url) as for migrate.
`)
}

// admin is `orderhub admin create|passwd|list|remove`.
func admin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("admin", args, []string{"create", "passwd", "list", "remove"}, adminUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var passwordFile string
	switch cmd {
	case "create", "passwd":
		fs.StringVar(&passwordFile, "password-file", "", `a file whose first line is the password ("-": standard input)`)
	case "list":
		sc.listing()
	}
	pos, ok := sc.parse(args[1:])
	if !ok {
		return 2
	}
	var username string
	if cmd == "list" {
		if len(pos) > 0 {
			return fail(2, "unexpected argument %q", pos[0])
		}
	} else {
		if len(pos) != 1 {
			adminUsage(stderr)
			return 2
		}
		username = pos[0]
	}
	var password string
	generated := false
	if cmd == "create" || cmd == "passwd" {
		var err error
		if password, err = readPassword(passwordFile); err != nil {
			return fail(2, "%v", err)
		}
		if password == "" {
			password, generated = auth.NewSecret("")[:20], true
		}
	}

	st, ok := sc.open(ctx)
	if !ok {
		return 1
	}
	defer st.Close()
	svc := service.New(st, server.Protocols().Option())
	switch cmd {
	case "list":
		admins, err := svc.ListAdmins(ctx)
		if err != nil {
			return fail(1, "%v", err)
		}
		t := &table{header: []string{"USERNAME", "CREATED"}, empty: "(no admins: orderhub admin create NAME)"}
		for _, a := range admins {
			t.add(a.Username, a.CreatedAt.Format(time.RFC3339))
		}
		emit(stdout, sc.output, admins, t)
	case "create":
		if err := svc.CreateAdmin(ctx, username, password); err != nil {
			return fail(1, "%v", describe(err))
		}
		fmt.Fprintf(stdout, "admin %s created\n", username)
	case "passwd":
		if err := svc.SetAdminPassword(ctx, username, password); err != nil {
			return fail(1, "%v", describe(err))
		}
		fmt.Fprintf(stdout, "admin %s: password changed; the admin's sessions ended\n", username)
	case "remove":
		if err := svc.RemoveAdmin(ctx, username); err != nil {
			return fail(1, "%v", describe(err))
		}
		fmt.Fprintf(stdout, "admin %s removed; the admin's sessions ended\n", username)
	}
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return 0
}

// readPassword reads the first line of a file ("-": standard input), or
// $ORDERHUB_ADMIN_PASSWORD; "" when neither is given.
func readPassword(file string) (string, error) {
	if file == "" {
		return os.Getenv("ORDERHUB_ADMIN_PASSWORD"), nil
	}
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("--password-file: %v", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("--password-file: the first line is empty")
	}
	return line, nil
}
