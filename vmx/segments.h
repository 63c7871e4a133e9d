/* Segment registers in the order of their VMCS fields (each field of ES
 * is followed by the same of CS, SS, DS, FS, GS, LDTR and TR, 2 apart:
 * SDM Vol. 3D, Appendix B), and their access rights in the VMCS format
 * (SDM Vol. 3C, 25.4.1, Table 25-2). */
#ifndef VMX_SEGMENTS_H
#define VMX_SEGMENTS_H

enum segment { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

#define AR_TYPE(ar) ((ar) & 0xfu)
#define AR_ACCESSED 1u
#define AR_S (1u << 4) /* code or data (not system) */
#define AR_DPL(ar) (((ar) >> 5) & 3u)
#define AR_P (1u << 7)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define AR_G (1u << 15)
#define AR_UNUSABLE (1u << 16)
#define AR_RESERVED 0xfffe0f00u /* bits 31:17 and 11:8 */

#endif
