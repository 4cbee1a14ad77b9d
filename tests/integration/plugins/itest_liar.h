/* The modes of the itest_liar plugin (plugins/itest_liar.c): how its "ged" or
 * "pcie-root-port" answers host control.  Shared with the tests that drive it. */
#ifndef ITEST_LIAR_H
#define ITEST_LIAR_H

enum itest_lie {
	LIE_NONE = 0,                   /* every op: -EOPNOTSUPP */
	LIE_RANGE = 1,                  /* well-formed replies whose results are out of range */
	LIE_HANG = 2,                   /* never answers */
	LIE_RING_REFUSED_WITH_DATA = 3, /* forged reply: status -22 with a result */
	LIE_RING_OTHER_OP = 4,          /* forged reply echoing another op */
	LIE_RING_POSITIVE_STATUS = 5,   /* forged reply: status 3 */
};

#endif /* ITEST_LIAR_H */
