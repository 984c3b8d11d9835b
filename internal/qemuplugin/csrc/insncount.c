/*
 * insncount: a QEMU 7.2 TCG plugin (plugin API version 1) that counts
 * executed guest instructions exactly and measures regions between two
 * marker instructions.
 *
 * Arguments (QEMU 7.2 passes each "-plugin file=x.so,key=value" pair as one
 * "key=value" string):
 *   begin=ADDR  guest address of the instruction that opens a region
 *   end=ADDR    guest address of the instruction that closes a region
 *   out=FILE    result file, written when QEMU exits
 *   step=ADDR   optional, repeatable (at most MAX_STEP_ADDRS distinct
 *               addresses): an instruction whose execution inside an open
 *               region marks the start of a step (a profile)
 * ADDR is decimal, 0x-hexadecimal or 0-octal (strtoull base 0).
 *
 * Every executed instruction adds 1 to a counter through an inline
 * operation (no helper call). The instructions at begin and end also get an
 * execution callback: begin remembers the counter, end appends
 * (counter - remembered) as one region. Both callbacks run at the same
 * point relative to their instruction's inline increment, so a region is
 * the number of instructions executed from the begin instruction up to the
 * end instruction, counting exactly one of the two.
 *
 * Result file (written to FILE.tmp, then renamed to FILE):
 *   insncount 1
 *   region <n> <instructions>       one per closed region, n = 0, 1, ...
 *   step <n> <k> <addr> <offset>    after region n, one per step mark k =
 *                                   0, 1, ... inside it: the step address
 *                                   (hex) that executed and the count of
 *                                   instructions from the region's begin
 *                                   up to it (same convention as regions)
 *   unterminated <k>                only if k > 0: begins without an end
 *   warning unmatched_end <k>       only if k > 0: ends without a begin
 *   error <text>                    only if results were lost (no memory)
 *   total <instructions>            all instructions executed by the guest
 *   end
 * A begin while a region is open abandons the open region (it counts as
 * unterminated) and opens a new one, dropping its step marks; an end
 * without an open region is ignored and counted; step marks outside a
 * region are ignored. At most MAX_STEP_MARKS marks are kept in all; more
 * are an error ("error too many step marks"). A file without the final
 * "end" line is incomplete.
 *
 * The plugin API is declared by hand below instead of including QEMU's
 * GPL-licensed qemu-plugin.h. Types, enum values and prototypes follow
 * include/qemu/qemu-plugin.h of QEMU 7.2 (QEMU_PLUGIN_VERSION 1), and the
 * argument passing follows plugins/loader.c (plugin_add); the anonymous
 * union of qemu_info_t is named here to stay C99, which keeps its layout.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSNCOUNT_EXPORT __attribute__((visibility("default")))

/* ---- QEMU 7.2 plugin API (version 1), declared by hand ---- */

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	} u;
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS
};

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

INSNCOUNT_EXPORT extern int qemu_plugin_version;
INSNCOUNT_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

/* ---- plugin ---- */

/* Bounds of the profile: distinct step addresses, and marks kept in all. */
#define MAX_STEP_ADDRS 4096
#define MAX_STEP_MARKS (1u << 22)

struct mark {
	size_t region;   /* index the region gets when it closes */
	uint64_t addr;   /* the step address that executed */
	uint64_t offset; /* instructions since the region's begin */
};

INSNCOUNT_EXPORT int qemu_plugin_version = 1;

struct insncount {
	uint64_t count;         /* executed instructions; bumped by generated code */
	uint64_t begin_addr;
	uint64_t end_addr;
	const char *out;        /* points into argv, which QEMU keeps alive */
	bool open;
	uint64_t open_at;
	uint64_t *regions;
	size_t n_regions;
	size_t cap_regions;
	uint64_t unterminated;
	uint64_t unmatched_end;
	bool out_of_memory;
	uint64_t step_addrs[MAX_STEP_ADDRS]; /* sorted, distinct */
	size_t n_step_addrs;
	struct mark *marks;
	size_t n_marks;      /* kept marks, closed regions' and the open one's */
	size_t open_marks;   /* marks of the open region start here */
	size_t cap_marks;
	bool too_many_marks;
};

/*
 * The translation callback of API version 1 takes no user data, so the
 * state is reachable through this one pointer, set once at install time.
 */
static struct insncount *the_state;

static void on_begin(unsigned int vcpu_index, void *userdata)
{
	struct insncount *s = userdata;

	(void)vcpu_index;
	if (s->open) {
		s->unterminated++;
	}
	s->n_marks = s->open_marks; /* drop an abandoned region's marks */
	s->open = true;
	s->open_at = s->count;
}

static void on_step(unsigned int vcpu_index, void *userdata)
{
	struct insncount *s = the_state;
	uint64_t addr = (uint64_t)(uintptr_t)userdata;

	(void)vcpu_index;
	if (!s->open) {
		return;
	}
	if (s->n_marks == s->cap_marks) {
		size_t cap = s->cap_marks ? 2 * s->cap_marks : 256;
		struct mark *m;

		if (cap > MAX_STEP_MARKS) {
			s->too_many_marks = true;
			return;
		}
		m = realloc(s->marks, cap * sizeof(*m));
		if (m == NULL) {
			s->out_of_memory = true;
			return;
		}
		s->marks = m;
		s->cap_marks = cap;
	}
	s->marks[s->n_marks].region = s->n_regions;
	s->marks[s->n_marks].addr = addr;
	s->marks[s->n_marks].offset = s->count - s->open_at;
	s->n_marks++;
}

static bool is_step_addr(const struct insncount *s, uint64_t va)
{
	size_t lo = 0, hi = s->n_step_addrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->step_addrs[mid] == va) {
			return true;
		}
		if (s->step_addrs[mid] < va) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void on_end(unsigned int vcpu_index, void *userdata)
{
	struct insncount *s = userdata;

	(void)vcpu_index;
	if (!s->open) {
		s->unmatched_end++;
		return;
	}
	s->open = false;
	if (s->n_regions == s->cap_regions) {
		size_t cap = s->cap_regions ? 2 * s->cap_regions : 64;
		uint64_t *r;

		if (cap > SIZE_MAX / sizeof(*r)) {
			s->out_of_memory = true;
			return;
		}
		r = realloc(s->regions, cap * sizeof(*r));
		if (r == NULL) {
			s->out_of_memory = true;
			return;
		}
		s->regions = r;
		s->cap_regions = cap;
	}
	s->regions[s->n_regions++] = s->count - s->open_at;
	s->open_marks = s->n_marks;
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct insncount *s = the_state;
	size_t n = qemu_plugin_tb_n_insns(tb);
	size_t i;

	(void)id;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &s->count, 1);
		if (va == s->begin_addr) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, s);
		}
		if (va == s->end_addr) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, s);
		}
		if (s->n_step_addrs > 0 && is_step_addr(s, va)) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_step, QEMU_PLUGIN_CB_NO_REGS,
			                                       (void *)(uintptr_t)va);
		}
	}
}

static int write_results(const struct insncount *s, FILE *f)
{
	size_t i, m = 0;

	fprintf(f, "insncount 1\n");
	for (i = 0; i < s->n_regions; i++) {
		size_t k = 0;

		fprintf(f, "region %zu %" PRIu64 "\n", i, s->regions[i]);
		for (; m < s->n_marks && s->marks[m].region == i; m++, k++) {
			fprintf(f, "step %zu %zu %#" PRIx64 " %" PRIu64 "\n", i, k, s->marks[m].addr,
			        s->marks[m].offset);
		}
	}
	if (s->unterminated > 0) {
		fprintf(f, "unterminated %" PRIu64 "\n", s->unterminated);
	}
	if (s->unmatched_end > 0) {
		fprintf(f, "warning unmatched_end %" PRIu64 "\n", s->unmatched_end);
	}
	if (s->out_of_memory) {
		fprintf(f, "error out of memory: regions were lost\n");
	}
	if (s->too_many_marks) {
		fprintf(f, "error too many step marks (more than %u)\n", MAX_STEP_MARKS);
	}
	fprintf(f, "total %" PRIu64 "\n", s->count);
	fprintf(f, "end\n");
	return ferror(f) ? -1 : 0;
}

static void on_exit_cb(qemu_plugin_id_t id, void *userdata)
{
	struct insncount *s = userdata;
	size_t len = strlen(s->out);
	char *tmp;
	FILE *f;
	int werr;

	(void)id;
	if (s->open) {
		s->unterminated++;
		s->open = false;
	}
	tmp = malloc(len + sizeof(".tmp"));
	if (tmp == NULL) {
		fprintf(stderr, "insncount: out of memory writing %s\n", s->out);
		return;
	}
	memcpy(tmp, s->out, len);
	memcpy(tmp + len, ".tmp", sizeof(".tmp"));
	f = fopen(tmp, "w");
	if (f == NULL) {
		perror("insncount: fopen");
		free(tmp);
		return;
	}
	werr = write_results(s, f);
	if (fclose(f) != 0 || werr != 0) {
		fprintf(stderr, "insncount: writing %s failed\n", tmp);
		remove(tmp);
		free(tmp);
		return;
	}
	if (rename(tmp, s->out) != 0) {
		perror("insncount: rename");
		remove(tmp);
	}
	free(tmp);
}

static int parse_addr(const char *key, const char *val, uint64_t *dst)
{
	char *endp = NULL;
	unsigned long long v;

	if (*val == '\0' || *val == '-' || *val == '+') {
		fprintf(stderr, "insncount: %s=%s: not an address\n", key, val);
		return -1;
	}
	errno = 0;
	v = strtoull(val, &endp, 0);
	if (*endp != '\0' || errno != 0) {
		fprintf(stderr, "insncount: %s=%s: not an address\n", key, val);
		return -1;
	}
	*dst = (uint64_t)v;
	return 0;
}

INSNCOUNT_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	struct insncount *s;
	bool have_begin = false, have_end = false;
	int i;

	if (info->system_emulation && info->u.system.max_vcpus > 1) {
		fprintf(stderr, "insncount: %d vCPUs: the counter is exact for one vCPU only\n",
		        info->u.system.max_vcpus);
		return 1;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		fprintf(stderr, "insncount: out of memory\n");
		return 1;
	}
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		size_t klen;

		if (eq == NULL) {
			fprintf(stderr, "insncount: argument %s: want key=value\n", arg);
			goto fail;
		}
		klen = (size_t)(eq - arg);
		if (klen == 5 && strncmp(arg, "begin", 5) == 0) {
			if (parse_addr("begin", eq + 1, &s->begin_addr) != 0) {
				goto fail;
			}
			have_begin = true;
		} else if (klen == 3 && strncmp(arg, "end", 3) == 0) {
			if (parse_addr("end", eq + 1, &s->end_addr) != 0) {
				goto fail;
			}
			have_end = true;
		} else if (klen == 4 && strncmp(arg, "step", 4) == 0) {
			if (s->n_step_addrs == MAX_STEP_ADDRS) {
				fprintf(stderr, "insncount: more than %d step= addresses\n", MAX_STEP_ADDRS);
				goto fail;
			}
			if (parse_addr("step", eq + 1, &s->step_addrs[s->n_step_addrs]) != 0) {
				goto fail;
			}
			s->n_step_addrs++;
		} else if (klen == 3 && strncmp(arg, "out", 3) == 0) {
			if (eq[1] == '\0') {
				fprintf(stderr, "insncount: out= needs a file name\n");
				goto fail;
			}
			s->out = eq + 1;
		} else {
			fprintf(stderr, "insncount: unknown argument %s (want begin=, end=, out=, step=)\n", arg);
			goto fail;
		}
	}
	if (!have_begin || !have_end || s->out == NULL) {
		fprintf(stderr, "insncount: begin=ADDR, end=ADDR and out=FILE are required\n");
		goto fail;
	}
	if (s->begin_addr == s->end_addr) {
		fprintf(stderr, "insncount: begin and end are the same address\n");
		goto fail;
	}
	if (s->n_step_addrs > 0) {
		size_t j, n = 1;

		qsort(s->step_addrs, s->n_step_addrs, sizeof(s->step_addrs[0]), cmp_u64);
		for (j = 1; j < s->n_step_addrs; j++) {
			if (s->step_addrs[j] != s->step_addrs[n - 1]) {
				s->step_addrs[n++] = s->step_addrs[j];
			}
		}
		s->n_step_addrs = n;
		for (j = 0; j < n; j++) {
			if (s->step_addrs[j] == s->begin_addr || s->step_addrs[j] == s->end_addr) {
				fprintf(stderr, "insncount: a step address is the begin or end address\n");
				goto fail;
			}
		}
	}
	/* A stale result file must not pass for this run's. */
	remove(s->out);
	the_state = s;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, on_exit_cb, s);
	return 0;
fail:
	free(s);
	return 1;
}
