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

// func scanTextAVX2(o, b *byte, n int, k *scTextConsts) (i, j, st int)
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
	XORQ    AX, AX        // b[AX] is the next byte,
	XORQ    R9, R9        // o[R9] where it goes;
	XORQ    R13, R13      // the text after the last reference starts
	XORQ    R14, R14      // at b[R13], o[R14]

loop:
	LEAQ 32(AX), R8
	CMPQ R8, DX
	JHI  tail
	VMOVDQU (SI)(AX*1), Y0
	VMOVDQU Y0, (DI)(R9*1)

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

	VPXOR     Y15, Y15, Y15
	VPCMPEQB  Y15, Y14, Y14
	VPMOVMSKB Y14, CX
	NOTL      CX // the bytes in error
	VMOVDQU   Y0, Y15

	TESTL BX, BX
	JNZ   stop
	TESTL CX, CX
	JNZ   bad
	MOVQ  R8, AX
	ADDQ  $32, R9
	JMP   loop

stop:
	// An error at the first stop or before it is one.
	MOVL BX, R11
	DECL R11
	XORL BX, R11
	ANDL R11, CX
	JNZ  bad
	BSFL BX, CX
	ADDQ CX, AX
	ADDQ CX, R9
	CMPB (SI)(AX*1), $0x26 // '&'
	JNE  done

	// A reference: its ';' is the first one after the '&' in this
	// block. The next block starts after it without waiting for the
	// checks below, which branch prediction takes as passed.
	SHRL CX, R12
	BSFL R12, R8
	JZ   done // not in this block: scanTextRunAVX2 decides
	ADDQ AX, R8 // b[R8] is the ';'
	CMPB 1(SI)(AX*1), $0x23 // '#'
	JEQ  charref

	// A predefined entity (XML 1.0 §4.6), as scanRefText finds it: its
	// first four bytes pick a slot of the table, whose key and mask say
	// whether the eight bytes at '&' start with it.
	LEAQ   8(AX), R11
	CMPQ   R11, DX
	JHI    done
	MOVQ   (SI)(AX*1), R11
	IMUL3L $0x6d2, R11, CX
	SHRL   $29, CX
	SHLQ   $4, CX
	XORQ   K_ENTS(R10)(CX*1), R11
	ANDQ   K_ENTS+8(R10)(CX*1), R11
	JNZ    done
	MOVB   K_ENTS+7(R10)(CX*1), CX
	MOVB   CX, (DI)(R9*1)
	INCQ   R9
	JMP    next

charref:
	// A character reference (XML 1.0 §4.1): decimal or, after 'x',
	// hex digits, up to the ';'; a value above U+10FFFF, or anything
	// else, is left to scanTextRunAVX2.
	XORL R11, R11 // the value
	LEAQ 2(AX), BX
	CMPB (SI)(BX*1), $0x78 // 'x'
	JEQ  hex
	CMPQ BX, R8
	JEQ  done

dec:
	MOVBLZX (SI)(BX*1), CX
	SUBL    $0x30, CX
	CMPL    CX, $9
	JHI     done
	IMUL3L  $10, R11, R11
	ADDL    CX, R11
	CMPL    R11, $0x110000
	JAE     done
	INCQ    BX
	CMPQ    BX, R8
	JNE     dec
	JMP     char

hex:
	INCQ BX
	CMPQ BX, R8
	JEQ  done

hexdigit:
	MOVBLZX (SI)(BX*1), CX
	SUBL    $0x30, CX
	CMPL    CX, $9
	JLS     hexadd
	ORL     $0x20, CX // c-'0' is 0x11–0x16 for 'A'–'F', 0x31–0x36 for 'a'–'f'
	SUBL    $0x31, CX
	CMPL    CX, $5
	JHI     done
	ADDL    $10, CX

hexadd:
	SHLL $4, R11
	ORL  CX, R11
	CMPL R11, $0x110000
	JAE  done
	INCQ BX
	CMPQ BX, R8
	JNE  hexdigit

char:
	// A Char (XML 1.0 §2.2), encoded in UTF-8 (RFC 3629 §3).
	CMPL R11, $0x80
	JAE  multi
	CMPL R11, $0x20
	JAE  one
	CMPL R11, $0x09
	JEQ  one
	CMPL R11, $0x0A
	JEQ  one
	CMPL R11, $0x0D
	JNE  done

one:
	MOVB R11, (DI)(R9*1)
	INCQ R9
	JMP  next

multi:
	MOVL R11, CX
	ANDL $0x3F, CX
	ORL  $0x80, CX // the last byte
	MOVL R11, BX
	SHRL $6, BX
	CMPL R11, $0x800
	JAE  three
	ORL  $0xC0, BX
	MOVB BX, (DI)(R9*1)
	MOVB CX, 1(DI)(R9*1)
	ADDQ $2, R9
	JMP  next

three:
	CMPL R11, $0x10000
	JAE  four
	CMPL R11, $0xD800
	JB   three1
	CMPL R11, $0xE000
	JB   done // a surrogate
	CMPL R11, $0xFFFE
	JAE  done

three1:
	ANDL $0x3F, BX
	ORL  $0x80, BX
	MOVB BX, 1(DI)(R9*1)
	MOVB CX, 2(DI)(R9*1)
	MOVL R11, BX
	SHRL $12, BX
	ORL  $0xE0, BX
	MOVB BX, (DI)(R9*1)
	ADDQ $3, R9
	JMP  next

four:
	MOVB CX, 3(DI)(R9*1)
	ANDL $0x3F, BX
	ORL  $0x80, BX
	MOVB BX, 2(DI)(R9*1)
	MOVL R11, BX
	SHRL $12, BX
	ANDL $0x3F, BX
	ORL  $0x80, BX
	MOVB BX, 1(DI)(R9*1)
	MOVL R11, BX
	SHRL $18, BX
	ORL  $0xF0, BX
	MOVB BX, (DI)(R9*1)
	ADDQ $4, R9

next:
	LEAQ  1(R8), AX
	MOVQ  AX, R13
	MOVQ  R9, R14
	VPXOR Y15, Y15, Y15 // the bytes before are ASCII
	JMP   loop

done:
	MOVQ AX, i+32(FP)
	MOVQ R9, j+40(FP)
	MOVQ $0, st+48(FP)
	VZEROUPPER
	RET

tail:
	MOVQ AX, i+32(FP)
	MOVQ R9, j+40(FP)
	MOVQ $1, st+48(FP)
	VZEROUPPER
	RET

bad:
	MOVQ R13, i+32(FP)
	MOVQ R14, j+40(FP)
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
