package dev.packetflow.drivers.net.tap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The messages a user sees when the kernel refuses a TAP: what failed, why, what to do. No root needed. */
class TapExceptionTest {
    @Test
    void openEperm_saysRunAsRoot() {
        TapException e = TapException.openFailed("/dev/net/tun", LibC.EPERM);
        assertThat(e.getMessage()).startsWith("cannot open /dev/net/tun: EPERM (Operation not permitted)")
                .contains("needs CAP_NET_ADMIN (run as root)");
        assertThat(e.permissionDenied()).isTrue();
        assertThat(e.errno()).isEqualTo(1);
    }

    @Test
    void openEacces_saysRunAsRoot() {
        TapException e = TapException.openFailed("/dev/net/tun", LibC.EACCES);
        assertThat(e.getMessage()).contains("EACCES (Permission denied)").contains("needs CAP_NET_ADMIN (run as root)");
        assertThat(e.permissionDenied()).isTrue();
    }

    @Test
    void openEnoent_saysLoadTheModule() {
        TapException e = TapException.openFailed("/dev/net/tun", LibC.ENOENT);
        assertThat(e.getMessage()).contains("does not exist").contains("modprobe tun").contains("--device /dev/net/tun");
        assertThat(e.permissionDenied()).isFalse();
    }

    @Test
    void setIffEbusy_saysBusy() {
        TapException e = TapException.setIffFailed("tap7", LibC.EBUSY, false);
        assertThat(e.getMessage()).startsWith("cannot attach TAP device tap7: EBUSY (Device or resource busy)")
                .contains("another process");
    }

    @Test
    void setIffEbusyExclusive_saysItExists() {
        assertThat(TapException.setIffFailed("tap7", LibC.EBUSY, true).getMessage()).contains("already exists");
    }

    @Test
    void setIffEperm_namesTheTuntapCommand() {
        assertThat(TapException.setIffFailed("tap7", LibC.EPERM, false).getMessage())
                .contains("needs CAP_NET_ADMIN (run as root)").contains("ip tuntap add dev tap7 mode tap user $USER");
    }

    @Test
    void setIffEinval_saysNotATap() {
        assertThat(TapException.setIffFailed("tun0", LibC.EINVAL, false).getMessage()).contains("is not a TAP device");
    }

    @Test
    void kernelChosenName_isNotShownAsAName() {
        assertThat(TapException.setIffFailed("tap%d", LibC.EPERM, false).getMessage()).startsWith("cannot attach a TAP device:");
    }
}
