#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 900
#
# A quick subset of libiscsi's iscsi-test-cu conformance run, against LIO,
# ktgt and tgt in the same VM: the families of the commands ktgt emulates
# itself (INQUIRY and its VPD pages, READ CAPACITY, MODE SENSE, REPORT
# SUPPORTED OPERATION CODES, GET LBA STATUS, COMPARE AND WRITE, EXTENDED
# COPY, RECEIVE COPY RESULTS, PRE-FETCH, ORWRITE, VERIFY(12) and WRITE AND
# VERIFY(12)). Fails if ktgt fails a test LIO or tgt passes (see
# tests/vm/conformance/iscsi-conformance.sh, which this runs, and
# Documentation/iscsi-conformance.rst). The full list: `make conformance`.
ONLY='^SCSI\.(Inquiry|ReadCapacity10|ReadCapacity16|ModeSense6|TestUnitReady)\.'
ONLY+='|^SCSI\.(ReportSupportedOpcodes|GetLBAStatus|ExtendedCopy)\.'
ONLY+='|^SCSI\.(ReceiveCopyResults|Prefetch10|Prefetch16)\.'
ONLY+='|^SCSI\.CompareAndWrite\.(DpoFua|Unwritten|InvalidDataOutSize)$'
ONLY+='|^SCSI\.OrWrite\.(ZeroBlocks|Protect|DpoFua|Verify)$'
ONLY+='|^SCSI\.(Verify12|WriteVerify12)\.(Simple|ZeroBlocks|Flags|Dpo)$'
export ISCSI_CU_ONLY=$ONLY
export ISCSI_CU_TIMEOUT=${ISCSI_CU_TIMEOUT:-150}
. "$KTGT_REPO/tests/vm/conformance/iscsi-conformance.sh"
