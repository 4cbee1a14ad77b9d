/* Purity check for the PCI device models: their object files call no libc function outside a
 * short allow-list (no syscall wrappers, no stdio) and define no mutable global or static. */
#include <limits.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Objects of devices/testdev.c, devices/root_port.c and devices/pci/ in the build tree. */
static const char *const objects[] = {
	"testdev.c.o", "root_port.c.o", "pci/config.c.o", "pci/caps.c.o", "pci/decode.c.o",
	"pci/msix.c.o", "pci/aer.c.o",
};

/* libc functions a pure model may call: memory and string formatting, nothing that enters
 * the kernel except through the allocator (devices allocate their state in create()). */
static const char *const allowed[] = {
	"calloc", "free", "memcpy", "memset", "memcmp", "snprintf", "strlen", "strcmp",
	"__stack_chk_fail", "_GLOBAL_OFFSET_TABLE_",
	/* the same under _FORTIFY_SOURCE (distributions that enable it by default) */
	"__snprintf_chk", "__memcpy_chk", "__memset_chk",
};

static bool allowed_symbol(const char *s)
{
	size_t i;

	if (!strncmp(s, "vdm_", 4) || strstr(s, "asan") || strstr(s, "ubsan") ||
	    strstr(s, "sanitizer") || strstr(s, "gcov") || strstr(s, "llvm"))
		return true;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(s, allowed[i]))
			return true;
	return false;
}

static bool objdir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int i;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (i = 0; i < 3; i++) { /* <build>/tests/unit/<exe> -> <build> */
		slash = strrchr(exe, '/');
		if (!slash)
			return false;
		*slash = '\0';
	}
	if (snprintf(out, len, "%s/devices/CMakeFiles/vdm_devices_objs.dir", exe) >= (int)len)
		return false;
	return access(out, R_OK) == 0;
}

static void device_objects_call_only_allowed_libc_functions(void **state)
{
	char dir[PATH_MAX], cmd[PATH_MAX + 64], line[512], sym[256];
	size_t i;
	int checked = 0;

	if (!objdir(dir, sizeof(dir)) || system("nm --version >/dev/null 2>&1") != 0)
		skip();
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		FILE *p;

		snprintf(cmd, sizeof(cmd), "nm -u '%s/%s' 2>/dev/null", dir, objects[i]);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			if (sscanf(line, " U %255s", sym) != 1)
				continue;
			if (!allowed_symbol(sym))
				fail_msg("%s calls %s, which a pure device model must not", objects[i],
					 sym);
			checked++;
		}
		assert_int_equal(pclose(p), 0);
	}
	assert_true(checked > 0); /* calloc at least: the check saw the objects */
}

static void device_objects_define_no_mutable_globals(void **state)
{
	char dir[PATH_MAX], cmd[PATH_MAX + 64], line[512], sect[128], name[256];
	size_t i;
	int objects_seen = 0;

	if (!objdir(dir, sizeof(dir)) || system("objdump --version >/dev/null 2>&1") != 0)
		skip();
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		FILE *p;

		snprintf(cmd, sizeof(cmd), "objdump -t '%s/%s' 2>/dev/null", dir, objects[i]);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			char *o = strstr(line, " O ");

			if (!o || sscanf(o + 3, "%127s %*s %255s", sect, name) != 2)
				continue;
			if (strstr(name, "asan") || strstr(name, "gcov") || strstr(name, "llvm"))
				continue;
			/* writable data: .data*, .bss*, TLS; read-only: .rodata, .data.rel.ro* */
			if ((!strncmp(sect, ".data", 5) || !strncmp(sect, ".bss", 4) ||
			     !strncmp(sect, ".tdata", 6) || !strncmp(sect, ".tbss", 5)) &&
			    !strstr(sect, ".rel.ro"))
				fail_msg("%s defines mutable %s in %s", objects[i], name, sect);
		}
		assert_int_equal(pclose(p), 0);
		objects_seen++;
	}
	assert_int_equal(objects_seen, (int)(sizeof(objects) / sizeof(objects[0])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_objects_call_only_allowed_libc_functions),
		cmocka_unit_test(device_objects_define_no_mutable_globals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
