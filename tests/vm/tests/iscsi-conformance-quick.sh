#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ktgt-timeout: 420
#
# A quick subset of libiscsi's iscsi-test-cu conformance run, against LIO
# and ktgt in the same VM: the families of the commands ktgt emulates
# itself (INQUIRY and its VPD pages, READ CAPACITY, MODE SENSE, REPORT
# SUPPORTED OPERATION CODES, GET LBA STATUS, COMPARE AND WRITE, EXTENDED
# COPY and RECEIVE COPY RESULTS). Fails if ktgt fails a test LIO passes
# (see tests/vm/conformance/iscsi-conformance.sh, which this runs, and
# Documentation/iscsi-conformance.rst). The full list: `make conformance`.
export ISCSI_CU_ONLY='^SCSI\.(Inquiry|ReadCapacity10|ReadCapacity16|ModeSense6|ReportSupportedOpcodes|TestUnitReady|GetLBAStatus|ExtendedCopy|ReceiveCopyResults)\.|^SCSI\.CompareAndWrite\.(DpoFua|Unwritten|InvalidDataOutSize)$'
export ISCSI_CU_TIMEOUT=${ISCSI_CU_TIMEOUT:-150}
. "$KTGT_REPO/tests/vm/conformance/iscsi-conformance.sh"
