/* The plugin loader: dlopen a device plugin, find its one entry symbol, ask it for its
 * description and refuse anything built for another ABI, naming the file and the reason. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdm/plugin.h>

struct vdm_plugin_handle {
	void *dl;
	const struct vdm_plugin *plugin;
};

/* A plugin built against another major exports that major's entry symbol: say so. */
static int other_major(void *dl)
{
	char sym[32];
	int major;

	for (major = 0; major < 16; major++) {
		if (major == VDM_ABI_MAJOR)
			continue;
		snprintf(sym, sizeof(sym), "vdm_plugin_entry_v%d", major);
		if (dlsym(dl, sym))
			return major;
	}
	return -1;
}

int vdm_plugin_load(const char *path, struct vdm_plugin_handle **out, char *err, size_t err_len)
{
	struct vdm_plugin_handle *h;
	vdm_plugin_entry_fn entry;
	const struct vdm_plugin *p;
	void *dl;
	int rc, major;

	*out = NULL;
	if (!path || !path[0]) {
		snprintf(err, err_len, "plugin path is empty");
		return -EINVAL;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		const char *why = dlerror();

		/* dlerror() usually starts with the path already. */
		if (why && strncmp(why, path, strlen(path)) == 0)
			snprintf(err, err_len, "%s", why);
		else
			snprintf(err, err_len, "%s: cannot load: %s", path, why ? why : "unknown");
		return -ENOENT;
	}
	*(void **)&entry = dlsym(dl, VDM_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		major = other_major(dl);
		if (major >= 0)
			snprintf(err, err_len, "%s: no entry symbol %s: it exports "
				 "vdm_plugin_entry_v%d, built for vdm ABI %d.x; this host speaks %u.x",
				 path, VDM_PLUGIN_ENTRY_SYMBOL, major, major, VDM_ABI_MAJOR);
		else
			snprintf(err, err_len, "%s: no entry symbol %s (not a vdm plugin?)", path,
				 VDM_PLUGIN_ENTRY_SYMBOL);
		dlclose(dl);
		return -ENOEXEC;
	}
	p = entry(VDM_ABI_VERSION);
	rc = vdm_plugin_check(p, path, err, err_len);
	if (rc) {
		dlclose(dl);
		return rc;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, err_len, "%s: out of memory", path);
		dlclose(dl);
		return -ENOMEM;
	}
	h->dl = dl;
	h->plugin = p;
	*out = h;
	return 0;
}

const struct vdm_plugin *vdm_plugin_info(const struct vdm_plugin_handle *h)
{
	return h->plugin;
}

const struct vdm_device_type *vdm_plugin_find_type(const struct vdm_plugin_handle *h,
						   const char *name)
{
	uint32_t i;

	for (i = 0; i < h->plugin->num_types; i++)
		if (strcmp(h->plugin->types[i]->name, name) == 0)
			return h->plugin->types[i];
	return NULL;
}

void vdm_plugin_unload(struct vdm_plugin_handle *h)
{
	if (!h)
		return;
	dlclose(h->dl);
	free(h);
}
