# Install rules for vdm (headers, libraries, vdm-devhost, vdm.pc): filled in below.
