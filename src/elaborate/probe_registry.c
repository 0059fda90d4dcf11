/*
 * probe_registry.c - the tree of probe point patterns and matching.
 *
 * Each group's patterns (probes/group.h) are split into components and
 * merged into one tree, children kept in registration order so matches
 * come out in a stable order.  A node is keyed by its name and parameter
 * kind, so `begin` and `begin(n)` are different nodes.  A script's point
 * matches a path when each component's name (a glob: `*` in names, `**`
 * for any number of whole components) matches the node name and its
 * argument (none, string, number) matches the node's parameter kind.
 *
 * The tree is built once, on first use; it holds only static strings.
 */
#include "elaborate/elab_int.h"
#include "probes/group.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Each group is defined in its own files under probes/; this is the
   only list of them, one line each. */
extern const ProbeGroup begin_end_group, never_group, timer_group,
	procfs_group, kprobe_group;
static const ProbeGroup *const groups[] = {
	&begin_end_group,
	&never_group,
	&timer_group,
	&procfs_group,
	&kprobe_group,
	&unsupported_group,
};

typedef struct Node {
	char *name;
	uint8_t param;		/* ParamKind */
	bool any_suffix;	/* pattern ended in .**: rest is free */
	const ProbeGroup *group; /* a pattern ends here, or NULL */
	int pattern;
	struct Node **kids;
	size_t nkids;
} Node;

static Node root;
static bool built;

static Node *child(Node *n, const char *name, size_t len, ParamKind pk)
{
	for (size_t i = 0; i < n->nkids; i++) {
		Node *k = n->kids[i];
		if (k->param == pk && strlen(k->name) == len &&
		    !strncmp(k->name, name, len))
			return k;
	}
	Node *k = xcalloc(1, sizeof *k);
	k->name = xstrndup(name, len);
	k->param = (uint8_t)pk;
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof *n->kids);
	n->kids[n->nkids++] = k;
	return k;
}

/* "name", "name(s)" or "name(n)" at p, up to the next '.'. */
static const char *component(Node **n, const char *p, bool *any)
{
	size_t len = strcspn(p, ".(");
	ParamKind pk = PK_NONE;
	const char *end = p + len;
	if (*end == '(') {
		pk = end[1] == 's' ? PK_STRING : PK_NUMBER;
		end += 3;
	}
	if (len == 2 && !strncmp(p, "**", 2))
		*any = true;
	else
		*n = child(*n, p, len, pk);
	return *end == '.' ? end + 1 : NULL;
}

static void add_pattern(const ProbeGroup *g, int idx)
{
	Node *n = &root;
	bool any = false;
	for (const char *p = g->patterns[idx]; p;)
		p = component(&n, p, &any);
	n->group = g;
	n->pattern = idx;
	n->any_suffix = any;
}

static void build(void)
{
	if (built)
		return;
	built = true;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		for (int j = 0; groups[i]->patterns[j]; j++)
			add_pattern(groups[i], j);
}

typedef struct Walk {
	Elab *e;
	const ProbePoint *pp;
	MatchFn fn;
	void *arg;
	Match m;
	size_t count;
} Walk;

static bool arg_fits(const Expr *arg, uint8_t param)
{
	if (!arg)
		return param == PK_NONE;
	return param == (arg->kind == E_STR ? PK_STRING : PK_NUMBER);
}

static void report(Walk *w, const Node *n, uint32_t depth)
{
	Match m = w->m;
	m.group = n->group;
	m.pattern = n->pattern;
	m.n = depth;
	m.pp = w->pp;
	m.loc = w->pp->loc;
	w->count++;
	w->fn(w->e, &m, w->arg);
}

static void walk(Walk *w, const Node *n, uint32_t i, uint32_t depth);

/* `**`: zero components, or one more and stay on `**`. */
static void walk_globstar(Walk *w, const Node *n, uint32_t i, uint32_t depth)
{
	walk(w, n, i + 1, depth);
	for (size_t k = 0; k < n->nkids && depth < MATCH_MAX_COMPS; k++) {
		w->m.names[depth] = n->kids[k]->name;
		w->m.args[depth] = NULL;
		if (n->kids[k]->param == PK_NONE)
			walk(w, n->kids[k], i, depth + 1);
	}
}

static void walk(Walk *w, const Node *n, uint32_t i, uint32_t depth)
{
	if (n->group && (i == w->pp->n || n->any_suffix)) {
		if (n->any_suffix)
			for (; i < w->pp->n && depth < MATCH_MAX_COMPS; i++, depth++) {
				w->m.names[depth] = w->pp->comps[i].name;
				w->m.args[depth] = w->pp->comps[i].arg;
			}
		report(w, n, depth);
		return;
	}
	if (i == w->pp->n || depth == MATCH_MAX_COMPS)
		return;
	const PPComp *c = &w->pp->comps[i];
	if (!strcmp(c->name, "**")) {
		walk_globstar(w, n, i, depth);
		return;
	}
	for (size_t k = 0; k < n->nkids; k++) {
		const Node *kid = n->kids[k];
		if (!arg_fits(c->arg, kid->param) ||
		    fnmatch(c->name, kid->name, 0) != 0)
			continue;
		w->m.names[depth] = kid->name;
		w->m.args[depth] = c->arg;
		walk(w, kid, i + 1, depth + 1);
	}
}

size_t registry_match(Elab *e, const ProbePoint *pp, MatchFn fn, void *arg)
{
	build();
	Walk w = { .e = e, .pp = pp, .fn = fn, .arg = arg };
	walk(&w, &root, 0, 0);
	return w.count;
}

void registry_dump(FILE *out)
{
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		for (int j = 0; groups[i]->patterns[j]; j++)
			fprintf(out, "%-40s %s\n", groups[i]->patterns[j],
				groups[i]->summary);
}
