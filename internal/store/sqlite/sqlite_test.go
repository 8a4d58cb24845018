package sqlite_test

import (
	"testing"

	"orderhub/internal/store"
	"orderhub/internal/store/storetest"
	"orderhub/internal/testutil"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return testutil.OpenSQLite(t) })
}
