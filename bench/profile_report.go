// profile_report.go: the per-step profiles in the terminal table, the
// Markdown report and their own CSV.

package bench

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// profileHeader is the column header of a profile table.
var profileHeader = []string{"step", "op", "kernel", "set", "MACs", "instructions", "instr/MAC", "share"}

// profileTitle names a profiled run.
func profileTitle(res *Result) string {
	t := fmt.Sprintf("%s %s %s", res.Model, res.Backend, res.Target)
	if res.Config != "" {
		t += " " + res.Config
	}
	return fmt.Sprintf("Profile of %s (vector %d, %s instructions, counted by %s)", t, res.Profile.Vector,
		strconv.FormatInt(res.Profile.Total, 10), res.Counter)
}

// profileRows returns a profile's rows as cells: one per step, then the
// remainder and the total.
func profileRows(p *Profile) [][]string {
	pct := func(share float64) string { return strconv.FormatFloat(100*share, 'f', 1, 64) + "%" }
	ipm := func(v float64) string {
		if v <= 0 {
			return "—"
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	share := func(n int64) float64 {
		if p.Total <= 0 {
			return 0
		}
		return float64(n) / float64(p.Total)
	}
	var rows [][]string
	var macs int64
	for _, s := range p.Steps {
		macs += s.MACs
		rows = append(rows, []string{strconv.Itoa(s.Index), s.Op, s.Kernel, s.Set, strconv.FormatInt(s.MACs, 10),
			strconv.FormatInt(s.Instructions, 10), ipm(s.InstrPerMAC), pct(s.Share)})
	}
	rows = append(rows, []string{"", "(harness and glue before the first step)", "", "", "", strconv.FormatInt(p.Remainder, 10), "", pct(share(p.Remainder))})
	total := 0.0
	if macs > 0 {
		total = float64(p.Total) / float64(macs)
	}
	rows = append(rows, []string{"", "total", "", "", strconv.FormatInt(macs, 10), strconv.FormatInt(p.Total, 10), ipm(total), pct(share(p.Total))})
	return rows
}

// writeProfileTables prints every result's profile for a terminal.
func writeProfileTables(w io.Writer, results []*Result) error {
	for _, res := range results {
		if res.Profile == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", profileTitle(res))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(profileHeader, "\t")+"\t")
		for _, row := range profileRows(res.Profile) {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// writeProfileMarkdown writes every result's profile as a Markdown table.
func writeProfileMarkdown(w io.Writer, results []*Result) {
	for _, res := range results {
		if res.Profile == nil {
			continue
		}
		fmt.Fprintf(w, "\n## %s\n\n", strings.ReplaceAll(profileTitle(res), "|", `\|`))
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(profileHeader, " | "), strings.Repeat("---|", len(profileHeader)))
		for _, row := range profileRows(res.Profile) {
			for i, c := range row {
				row[i] = strings.ReplaceAll(c, "|", `\|`)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	}
	if hasProfile(results) {
		fmt.Fprintf(w, "\nA step counts from its kernel's entry to the next step's (the kernel, its return and the schedule's glue up to the next call); "+
			"the steps plus the first row's remainder equal the inference exactly.\n")
	}
}

func hasProfile(results []*Result) bool {
	for _, res := range results {
		if res.Profile != nil {
			return true
		}
	}
	return false
}

// HasProfiles reports whether any run has a profile (bench --profile).
func (r *Report) HasProfiles() bool { return hasProfile(r.Results) }

// profileCSVColumns are the columns of WriteProfileCSV.
var profileCSVColumns = []string{"model", "backend", "target", "config", "vector", "step", "op", "kernel", "set", "macs",
	"instructions", "instructions_per_mac", "share"}

// WriteProfileCSV writes one CSV row per profiled step of every run, then
// per run a row with step "remainder" (harness and glue) and one with step
// "total" (the inference's instructions).
func (r *Report) WriteProfileCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(profileCSVColumns); err != nil {
		return err
	}
	for _, res := range r.Results {
		p := res.Profile
		if p == nil {
			continue
		}
		lead := []string{res.Model, res.Backend, res.Target, res.Config, strconv.Itoa(p.Vector)}
		fl := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
		for _, s := range p.Steps {
			if err := cw.Write(append(append([]string{}, lead...), strconv.Itoa(s.Index), s.Op, s.Kernel, s.Set,
				strconv.FormatInt(s.MACs, 10), strconv.FormatInt(s.Instructions, 10), fl(s.InstrPerMAC), fl(s.Share))); err != nil {
				return err
			}
		}
		share := 0.0
		if p.Total > 0 {
			share = float64(p.Remainder) / float64(p.Total)
		}
		if err := cw.Write(append(append([]string{}, lead...), "remainder", "", "", "", "0", strconv.FormatInt(p.Remainder, 10), "0", fl(share))); err != nil {
			return err
		}
		if err := cw.Write(append(append([]string{}, lead...), "total", "", "", "", strconv.FormatInt(res.MACs, 10), strconv.FormatInt(p.Total, 10),
			fl(res.InstrPerMAC), "1")); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
