/* Test plugin without the entry symbol: a shared object that is not a vdm plugin. */
int not_a_vdm_plugin(int x);
int not_a_vdm_plugin(int x)
{
	return x + 1;
}
