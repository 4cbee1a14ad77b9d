/* The hostile test plugin's registers and names, shared by the plugin (hostile.c) and the
 * hostile-plugin suite (test_hostile.c). */
#ifndef ITEST_HOSTILE_H
#define ITEST_HOSTILE_H

#define HOSTILE_REG_RESULT 0x100 /* read (8 bytes): what the create-time attack got */
#define HOSTILE_REG_ACT 0x200    /* read or write: run the device's attack */
#define HOSTILE_SOCKET_NAME "vdm-itest-hostile" /* abstract socket the thread attack calls */

#endif /* ITEST_HOSTILE_H */
