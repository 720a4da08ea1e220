//go:build !purego

// The AVX2 kernel of scanTextRunAVX2 (scan_text_amd64.go): character
// data copied and checked 32 bytes at a time, references decoded.

#include "textflag.h"

// Offsets in scTextConsts.
#define K_H1 0
#define K_L1 32
#define K_H2 64
#define K_0F 96
#define K_LT 128
#define K_AMP 160
#define K_RSQB 192
#define K_1F 224
#define K_TAB 256
#define K_LF 288
#define K_E0 320
#define K_F0 352
#define K_80 384
#define K_EF 416
#define K_BF 448
#define K_01 480
#define K_SEMI 512
#define K_ENTS 544
#define K_DIG 672

// func scanTextAVX2(o, b *byte, n int, k *scTextConsts) (i, j, st int)
//
// The output pointer DI is o less the bytes the references decoded so far
// saved: the byte at b[x] goes to DI[x] (until the next reference).
TEXT ·scanTextAVX2(SB), NOSPLIT, $0-56
	MOVQ o+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), DX
	MOVQ k+24(FP), R10
	VMOVDQU K_H1(R10), Y4
	VMOVDQU K_L1(R10), Y5
	VMOVDQU K_H2(R10), Y6
	VMOVDQU K_0F(R10), Y7
	VMOVDQU K_LT(R10), Y8
	VMOVDQU K_AMP(R10), Y9
	VMOVDQU K_RSQB(R10), Y10
	VMOVDQU K_1F(R10), Y11
	VMOVDQU K_TAB(R10), Y12
	VMOVDQU K_LF(R10), Y13
	VPXOR   Y15, Y15, Y15 // the block before: none, as if ASCII
	XORQ    AX, AX        // the block starts at b[AX]
	XORQ    R13, R13      // the text after the last reference, at b[R13]

block:
	LEAQ 32(AX), R8
	CMPQ R8, DX
	JHI  tail
	VMOVDQU (SI)(AX*1), Y0
	VMOVDQU Y0, (DI)(AX*1)

	// Stops: '<', '&', ']', and controls other than tab and line feed;
	// and the semicolons, where references end.
	VPCMPEQB  Y8, Y0, Y1
	VPCMPEQB  Y9, Y0, Y2
	VPOR      Y2, Y1, Y1
	VPCMPEQB  Y10, Y0, Y2
	VPOR      Y2, Y1, Y1
	VPMINUB   Y11, Y0, Y2
	VPCMPEQB  Y2, Y0, Y2 // x <= 0x1F
	VPCMPEQB  Y12, Y0, Y3
	VPCMPEQB  Y13, Y0, Y14
	VPOR      Y14, Y3, Y3
	VPANDN    Y2, Y3, Y2 // and not tab or line feed
	VPOR      Y2, Y1, Y1
	VPMOVMSKB Y1, BX
	VPCMPEQB  K_SEMI(R10), Y0, Y2
	VPMOVMSKB Y2, R12

	// UTF-8 (Keiser and Lemire): the three bytes before each byte x.
	VPERM2I128 $0x21, Y0, Y15, Y1 // the block before's upper half, this one's lower
	VPALIGNR   $15, Y1, Y0, Y2    // prev1
	VPALIGNR   $14, Y1, Y0, Y3    // prev2
	VPALIGNR   $13, Y1, Y0, Y1    // prev3

	// The error classes of the pair (prev1, x).
	VPSRLW  $4, Y2, Y14
	VPAND   Y7, Y14, Y14
	VPSHUFB Y14, Y4, Y14
	VPAND   Y7, Y2, Y15
	VPSHUFB Y15, Y5, Y15
	VPAND   Y15, Y14, Y14
	VPSRLW  $4, Y0, Y15
	VPAND   Y7, Y15, Y15
	VPSHUFB Y15, Y6, Y15
	VPAND   Y15, Y14, Y14

	// x must be a third or fourth byte: prev2 >= 0xE0 or prev3 >= 0xF0.
	VPSUBUSB K_E0(R10), Y3, Y15
	VPSUBUSB K_F0(R10), Y1, Y1
	VPOR     Y1, Y15, Y15
	VPAND    K_80(R10), Y15, Y15
	VPXOR    Y15, Y14, Y14

	// U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not Chars.
	VPCMPEQB K_EF(R10), Y3, Y3
	VPCMPEQB K_BF(R10), Y2, Y2
	VPAND    Y2, Y3, Y3
	VPOR     K_01(R10), Y0, Y2
	VPCMPEQB K_BF(R10), Y2, Y2
	VPAND    Y2, Y3, Y3
	VPOR     Y3, Y14, Y14

	// An error anywhere in the block (well-formed input has none, not
	// even after the text) sends the caller back to the last reference.
	VMOVDQU Y0, Y15
	VPTEST  Y14, Y14
	JNZ     bad
	TESTL   BX, BX
	JNZ     walk
	MOVQ    R8, AX
	JMP     block

walk:
	// The stops of the block, in order, from b[AX].
	BSFL BX, CX
	LEAQ (AX)(CX*1), R8 // the stop
	CMPB (SI)(R8*1), $0x26 // '&'
	JNE  stop

	// A reference: its ';' is the first one after the '&' in this
	// block. What comes after it does not wait for the checks below,
	// which branch prediction takes as passed.
	MOVL R12, R11
	SHRL CX, R11
	BSFL R11, R11
	JZ   straddle
	ADDQ R8, R11 // b[R11] is the ';'
	CMPB 1(SI)(R8*1), $0x23 // '#'
	JEQ  charref

	// A predefined entity (XML 1.0 §4.6), as scanRefText finds it: its
	// first four bytes pick a slot of the table, whose key and mask say
	// whether the eight bytes at '&' start with it.
	LEAQ   8(R8), CX
	CMPQ   CX, DX
	JHI    stop
	MOVQ   (SI)(R8*1), R14
	IMUL3L $0x6d2, R14, CX
	SHRL   $29, CX
	SHLQ   $4, CX
	XORQ   K_ENTS(R10)(CX*1), R14
	ANDQ   K_ENTS+8(R10)(CX*1), R14
	JNZ    stop
	MOVB   K_ENTS+7(R10)(CX*1), CX
	MOVB   CX, (DI)(R8*1)
	INCQ   DI
	JMP    next

charref:
	// A character reference (XML 1.0 §4.1): decimal or, after 'x',
	// hex digits, up to the ';'; a value above U+10FFFF, or anything
	// else, is left to the caller. DX is free until next.
	XORL   R14, R14 // the value
	XORL   R13, R13
	LEAQ   2(R8), CX
	CMPB   (SI)(CX*1), $0x78 // 'x'
	SETEQ  R13B
	ADDQ   R13, CX // the first digit
	LEAL   (R13)(R13*2), R13
	LEAL   10(R13*2), R13 // the base: 10, or 16 after 'x'
	CMPQ   CX, R11
	JEQ    stop

digit:
	MOVBLZX (SI)(CX*1), DX
	MOVBLZX K_DIG(R10)(DX*1), DX
	CMPL    DX, R13
	JAE     stopref
	IMULL   R13, R14
	ADDL    DX, R14
	CMPL    R14, $0x110000
	JAE     stopref
	INCQ    CX
	CMPQ    CX, R11
	JNE     digit
	MOVQ    n+16(FP), DX

	// A Char (XML 1.0 §2.2), encoded in UTF-8 (RFC 3629 §3): one or two
	// bytes without a branch (the second written either way), three or
	// four with one.
	CMPL R14, $0x800
	JAE  three
	CMPL R14, $0x20
	JB   control
	MOVL R14, CX
	SHRL $6, CX
	ORL  $0xC0, CX
	MOVL R14, R13
	ANDL $0x3F, R13
	ORL  $0x80, R13
	SHLL $8, R13
	ORL  R13, CX // the two bytes
	XORL R13, R13
	CMPL R14, $0x80
	SETCC R13B // 1 for two bytes
	CMOVLCS R14, CX
	MOVW CX, (DI)(R8*1)
	LEAQ 1(DI)(R13*1), DI
	JMP  next

control:
	CMPL R14, $0x09
	JEQ  one
	CMPL R14, $0x0A
	JEQ  one
	CMPL R14, $0x0D
	JNE  stopref

one:
	MOVB R14, (DI)(R8*1)
	INCQ DI
	JMP  next

three:
	MOVL R14, CX
	ANDL $0x3F, CX
	ORL  $0x80, CX // the last byte
	MOVL R14, R13
	SHRL $6, R13
	CMPL R14, $0x10000
	JAE  four
	CMPL R14, $0xD800
	JB   three1
	CMPL R14, $0xE000
	JB   stopref // a surrogate
	CMPL R14, $0xFFFE
	JAE  stopref

three1:
	ANDL $0x3F, R13
	ORL  $0x80, R13
	MOVB R13, 1(DI)(R8*1)
	MOVB CX, 2(DI)(R8*1)
	MOVL R14, R13
	SHRL $12, R13
	ORL  $0xE0, R13
	MOVB R13, (DI)(R8*1)
	ADDQ $3, DI
	JMP  next

four:
	MOVB CX, 3(DI)(R8*1)
	ANDL $0x3F, R13
	ORL  $0x80, R13
	MOVB R13, 2(DI)(R8*1)
	MOVL R14, R13
	SHRL $12, R13
	ANDL $0x3F, R13
	ORL  $0x80, R13
	MOVB R13, 1(DI)(R8*1)
	MOVL R14, R13
	SHRL $18, R13
	ORL  $0xF0, R13
	MOVB R13, (DI)(R8*1)
	ADDQ $4, DI

next:
	// DI took the bytes written; the reference's are saved.
	ADDQ R8, DI
	LEAQ 1(R11), R13 // after the ';'
	SUBQ R13, DI
	LEAQ 32(R13), CX
	CMPQ CX, DX
	JHI  reload
	// The rest of the block again, where it now goes; and its stops
	// after the reference.
	VMOVDQU (SI)(R13*1), Y1
	VMOVDQU Y1, (DI)(R13*1)
	MOVQ    R13, CX
	SUBQ    AX, CX
	SHRQ    CX, BX
	SHLQ    CX, BX
	TESTL   BX, BX
	JNZ     walk
	ADDQ    $32, AX
	JMP     block

reload:
	// Near the end of b: the next block starts after the reference.
	MOVQ  R13, AX
	VPXOR Y15, Y15, Y15 // the bytes before are ASCII
	JMP   block

straddle:
	// The ';' is not in this block: a block from the '&', unless this
	// one started there.
	CMPQ  R8, AX
	JEQ   stop
	MOVQ  R8, AX
	VPXOR Y15, Y15, Y15 // the bytes before are ASCII
	JMP   block

stopref:
	MOVQ R8, AX // the stop is the '&'
	MOVQ n+16(FP), DX
	JMP  ret0

stop:
	MOVQ R8, AX

ret0:
	MOVQ $0, st+48(FP)
	JMP  ret

tail:
	MOVQ $1, st+48(FP)

ret:
	MOVQ AX, i+32(FP)
	ADDQ AX, DI
	SUBQ o+0(FP), DI
	MOVQ DI, j+40(FP)
	VZEROUPPER
	RET

bad:
	MOVQ R13, i+32(FP)
	ADDQ R13, DI
	SUBQ o+0(FP), DI
	MOVQ DI, j+40(FP)
	MOVQ $2, st+48(FP)
	VZEROUPPER
	RET

// func scanCPUID(leaf, sub uint32) (a, b, c, d uint32)
TEXT ·scanCPUID(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func scanXGETBV() (a, d uint32)
TEXT ·scanXGETBV(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, a+0(FP)
	MOVL DX, d+4(FP)
	RET
