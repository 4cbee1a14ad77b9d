/* A DSDT shaped like QEMU's (and vdm's) GED + acpi-pcihp AML, compiled by iasl in the test so
 * the payloads' AML scanner is checked against a real compiler's encodings. */
DefinitionBlock ("", "DSDT", 2, "VDMTST", "GEDSAMPL", 1)
{
    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            OperationRegion (PCST, SystemMemory, 0xFE001000, 0x08)
            Field (PCST, DWordAcc, NoLock, WriteAsZeros) { PCIU, 32, PCID, 32 }
            OperationRegion (SEJ, SystemMemory, 0xFE001008, 0x04)
            Field (SEJ, DWordAcc, NoLock, WriteAsZeros) { B0EJ, 32 }
            OperationRegion (BNMR, SystemMemory, 0xFE001010, 0x08)
            Field (BNMR, DWordAcc, NoLock, WriteAsZeros) { BNUM, 32, PIDX, 32 }
            Mutex (BLCK, 0)
            Device (S08)
            {
                Name (_ADR, 0x00010000)
                Name (BSEL, Zero)
                Device (S00)
                {
                    Name (_ADR, Zero)
                    Name (_SUN, One)
                }
                Name (BUF0, Buffer () { 0x5B, 0x82, 0x08, 0x42, 0x53, 0x45, 0x4C, 0x0A })
            }
            Device (S10)
            {
                Name (_ADR, 0x00020000)
                Name (BSEL, One)
                Device (S00) { Name (_ADR, Zero) }
            }
            Method (PCNT, 0, NotSerialized) { BNUM = Zero }
        }
        Device (GED)
        {
            Name (_HID, "ACPI0013")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) { 0x00000017 }
            })
            OperationRegion (EREG, SystemMemory, 0x00000000FE000000, 0x04)
            Field (EREG, DWordAcc, NoLock, WriteAsZeros) { ESEL, 32 }
            Method (_EVT, 1, Serialized)
            {
                Local0 = ESEL
                If (((Local0 & 0x10) == 0x10)) { \_SB.PCI0.PCNT () }
            }
        }
    }
}
